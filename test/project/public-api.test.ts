/** The `playhead` entry point exports what docs/playback.md and the README use. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import * as playhead from '../../src/index.js';

describe('playhead entry point', () => {
  it('exports the documented runtime names', () => {
    for (const name of ['openStore', 'buildServer', 'PlaybackSession', 'TimerWheel', 'resolveCommand', 'systemClock', 'VirtualClock', 'InProcessBus', 'Ingestor', 'PlayheadError', 'parseTime', 'parseDuration', 'parseClientMessage', 'AccessPolicy']) {
      assert.equal(typeof (playhead as Record<string, unknown>)[name], name === 'systemClock' ? 'object' : 'function', name);
    }
  });

  it('refuses to load in a browser with a message saying why', async () => {
    await assert.rejects(import('../../src/browser.js'), { message: /runs on Node\.js/ });
  });
});
