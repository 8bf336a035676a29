/**
 * A keyed timeline subscription on a node that does not evaluate the
 * timeline asks the owner for the value; while no node can answer (the owner
 * is still reading its history, or a survivor is taking over) it asks again
 * for a few seconds instead of ending the subscription. The registry and the
 * owner are stand-ins here: the real ones across nodes are in
 * test/cli/timeline-owner.test.ts.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { WebSocket } from 'ws';
import { PlayheadError } from '../../../src/core/errors.js';
import { VirtualClock } from '../../../src/core/virtual-clock.js';
import { OPEN_ACCESS } from '../../../src/server/auth/access-policy.js';
import type { TimelineOwner } from '../../../src/server/timeline-owner.js';
import { TimelineStream } from '../../../src/server/ws/timeline-stream.js';
import type { TimelineRegistry } from '../../../src/timeline/timeline-registry.js';

const T0 = Date.UTC(2026, 0, 1);

function subscribeElsewhere(answers: readonly (PlayheadError | number)[]) {
  const clock = new VirtualClock(T0);
  const sent: Record<string, unknown>[] = [];
  const socket = { OPEN: 1, readyState: 1, send: (text: string) => sent.push(JSON.parse(text)) } as unknown as WebSocket;
  const timelines = { describe: () => ({ channel: 'player' }), place: () => 'elsewhere', subscribe: () => () => undefined } as unknown as TimelineRegistry;
  let asked = 0;
  const owner = {
    valueAt: async () => {
      const answer = answers[Math.min(asked, answers.length - 1)] as PlayheadError | number;
      asked += 1;
      if (answer instanceof PlayheadError) throw answer;
      return { value: answer };
    },
  } as unknown as TimelineOwner;
  const stream = new TimelineStream({
    socket, sub: 't', timeline: 'rebuffering', key: 's1', timelines, owner, token: undefined, clock, grant: OPEN_ACCESS, maxBufferedBytes: 1 << 20,
  });
  const settle = () => new Promise((resolve) => setImmediate(resolve));
  return { clock, sent, stream, settle, asked: () => asked };
}

const starting = new PlayheadError('timeline_unavailable', 'timeline rebuffering is reading its history on this node: retry in a moment');

describe('TimelineStream on a node that does not evaluate the timeline', () => {
  it('asks the owner again while it is starting, then sends the value', async () => {
    const { clock, sent, settle, asked } = subscribeElsewhere([starting, starting, 7]);
    await settle();
    assert.deepEqual(sent, [], 'no error while the owner may still answer');
    clock.advance(250);
    await settle();
    clock.advance(500);
    await settle();
    assert.equal(asked(), 3);
    assert.deepEqual(sent, [{ type: 'timeline', sub: 't', timeline: 'rebuffering', key: 's1', at: T0 + 750, value: 7 }]);
  });

  it('gives up with timeline_unavailable after about eight seconds', async () => {
    const { clock, sent, settle, asked } = subscribeElsewhere([starting]);
    for (let step = 0; step < 40; step += 1) {
      clock.advance(250);
      await settle();
    }
    assert.equal(asked(), 6);
    assert.deepEqual(sent.map((m) => [m.type, m.code, m.sub]), [['error', 'timeline_unavailable', 't']]);
  });

  it('ends at once on any other error', async () => {
    const { sent, settle, asked } = subscribeElsewhere([new PlayheadError('forbidden', 'the token may not read channel player')]);
    await settle();
    assert.equal(asked(), 1);
    assert.deepEqual(sent.map((m) => m.code), ['forbidden']);
  });

  it('stops asking once the subscription is closed', async () => {
    const { clock, settle, stream, asked } = subscribeElsewhere([starting]);
    await settle();
    stream.close();
    clock.advance(10_000);
    await settle();
    assert.equal(asked(), 1);
  });
});
