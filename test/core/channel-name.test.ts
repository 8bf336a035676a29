import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { validateChannelName } from '../../src/core/channel-name.js';

describe('validateChannelName', () => {
  it('accepts 1-128 characters of letters, digits and . _ : -', () => {
    for (const name of ['a', 'wikipedia', 'trajectories.biwi_eth', 'sensor:42-b', 'x'.repeat(128), '__proto__', 'constructor']) {
      assert.equal(validateChannelName(name), name);
    }
  });

  it('rejects anything else with invalid_channel', () => {
    for (const name of ['', 'x'.repeat(129), 'a b', 'a/b', 'é', 42, null]) {
      assert.throws(() => validateChannelName(name), { code: 'invalid_channel' }, String(name));
    }
  });
});
