import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { batchEvaluate } from '../../src/timeline/batch-evaluate.js';
import { compileTimeline, toRow } from '../../src/timeline/compile-timeline.js';
import { seededRandom } from '../../src/core/seeded-random.js';
import { TimelineEvaluator } from '../../src/timeline/timeline-evaluator.js';
import { VirtualClock } from '../../src/core/virtual-clock.js';
import { valueAt, type Piece } from '../../src/timeline/timeline-piece.js';

const QUERY = 'has_existed_within(s == "a", 3) || latest_event_to_state(n) > 2 || duration_in_cur_state(latest_event_to_state(s)) > 4';
const KEYS = ['k1', 'k2', 'k3', 'k4', 'k5'];
const S = 1_000;

interface Pushed { readonly key: string; readonly ts: number; readonly seq: number; readonly data: { s: string; n: number } }

/** Interleaved keys, one event a second each, one in ten arriving up to 8 s late. */
function stream(count: number): Pushed[] {
  const random = seededRandom(11);
  const out: Pushed[] = [];
  for (let i = 0; i < count; i += 1) {
    const key = KEYS[i % KEYS.length] as string;
    const late = random() < 0.1 ? Math.floor(random() * 8 * S) : 0;
    out.push({ key, ts: Math.floor(i / KEYS.length) * S - late, seq: i + 1, data: { s: random() < 0.3 ? 'a' : 'b', n: Math.floor(random() * 5) } });
  }
  return out;
}

describe('retained events in the shared row log', () => {
  for (const lateHorizonMs of [20 * S, Number.POSITIVE_INFINITY]) {
    it(`stay exact through growth and compaction (late horizon ${lateHorizonMs} ms)`, () => {
      const plan = compileTimeline(QUERY);
      const evaluator = new TimelineEvaluator({ plan, key: 'key', clock: new VirtualClock(0), checkpointEvery: 4, lateHorizonMs });
      // 30k events: the log (4096 rows at first) fills many times; with the horizon most rows are dropped, so it compacts.
      const events = stream(30_000);
      for (const event of events) evaluator.push({ ts: event.ts, seq: event.seq, data: { ...event.data, key: event.key } });
      assert.equal(evaluator.stats().tooLate, 0);
      for (const key of KEYS) {
        const rows = events.filter((event) => event.key === key).map((event) => toRow(plan, event.ts, event.seq, event.data))
          .sort((a, b) => a.ts - b.ts || a.seq - b.seq);
        const batch = batchEvaluate(plan, rows)[plan.root] as Piece[];
        for (let probe = 0; probe < 6_100 * S; probe += 997) assert.equal(evaluator.valueAt(key, probe), valueAt(batch, probe), `${key} at ${probe}`);
      }
    });
  }
});
