import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { batchEvaluate } from '../../src/timeline/batch-evaluate.js';
import { compileTimeline, toRow } from '../../src/timeline/compile-timeline.js';
import { KeyTimeline } from '../../src/timeline/key-timeline.js';
import { TimelineEvaluator } from '../../src/timeline/timeline-evaluator.js';
import { VirtualClock } from '../../src/core/virtual-clock.js';
import type { PredicateNode, TimelineNode } from '../../src/timeline/timeline-ast.js';
import { COMPARATORS } from '../../src/timeline/pointwise.js';
import { valueAt, type Piece } from '../../src/timeline/timeline-piece.js';

const cmp = fc.constantFrom(...COMPARATORS);
const predicate: fc.Arbitrary<PredicateNode> = fc.letrec<{ pred: PredicateNode }>((tie) => ({
  pred: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    fc.record({ op: fc.constant('compare' as const), column: fc.constant('s'), cmp, value: fc.constantFrom('a', 'b') }),
    fc.record({ op: fc.constant('compare' as const), column: fc.constant('n'), cmp, value: fc.integer({ min: 0, max: 4 }) }),
    fc.record({ op: fc.constantFrom('and' as const, 'or' as const), args: fc.array(tie('pred'), { minLength: 2, maxLength: 2 }) }),
    fc.record({ op: fc.constant('not' as const), arg: tie('pred') }),
  ),
})).pred;

const isDuration = (node: TimelineNode): boolean => node.op === 'duration_where' || node.op === 'duration_in_cur_state';

const timeline: fc.Arbitrary<TimelineNode> = fc.letrec<{ node: TimelineNode }>((tie) => ({
  node: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    fc.record({ op: fc.constant('latest_event_to_state' as const), column: fc.constantFrom('s', 'n') }),
    fc.record({ op: fc.constant('has_existed' as const), where: predicate }),
    fc.record({ op: fc.constant('has_existed_within' as const), where: predicate, windowMs: fc.constantFrom(0, 1_000, 2_500, 5_000) }),
    fc.tuple(tie('node'), cmp, fc.constantFrom<number | string>('a', 1, 3, 0.5, 2.5)).map(([arg, c, value]) => ({
      op: 'compare' as const, arg, cmp: c, value: isDuration(arg) && typeof value === 'string' ? 1.5 : value,
    })),
    fc.record({ op: fc.constantFrom('and' as const, 'or' as const), args: fc.array(tie('node'), { minLength: 2, maxLength: 3 }) }),
    fc.record({ op: fc.constantFrom('not' as const, 'duration_where' as const, 'duration_in_cur_state' as const), arg: tie('node') }),
  ),
})).node;

const events = fc.array(
  fc.record({
    ts: fc.integer({ min: 0, max: 40 }).map((tenths) => tenths * 250),
    data: fc.record({ s: fc.constantFrom('a', 'b', 'c'), n: fc.integer({ min: 0, max: 5 }) }, { requiredKeys: [] }),
  }),
  { minLength: 1, maxLength: 25 },
);

describe('KeyTimeline (incremental) against batchEvaluate', () => {
  it('gives the same timeline for random events, in random arrival order, and random expressions', () => {
    fc.assert(
      fc.property(timeline, events, fc.integer({ min: 1, max: 5 }), fc.array(fc.integer({ min: 0, max: 100 }), { minLength: 25, maxLength: 25 }), (node, list, checkpointEvery, shuffle) => {
        const plan = compileTimeline({ timeline: node });
        const rows = list.map((event, index) => toRow(plan, event.ts, index + 1, event.data));
        const arrival = rows.map((row, index) => ({ row, rank: (shuffle[index] as number) < 70 ? index : index - (shuffle[index] as number) / 10 }));
        arrival.sort((a, b) => a.rank - b.rank);
        const incremental = new KeyTimeline(plan, { checkpointEvery, lateHorizonMs: Number.POSITIVE_INFINITY });
        for (const { row } of arrival) incremental.push(row);
        const sorted = [...rows].sort((a, b) => a.ts - b.ts || a.seq - b.seq);
        const batch = batchEvaluate(plan, sorted)[plan.root];
        assert.deepEqual(incremental.pieces(0), batch);
        for (const probe of [-1, 1_111, 4_000, 12_345]) assert.equal(incremental.valueAt(0, probe), probe < (sorted[0] as { ts: number }).ts ? null : valueAt(batch as Piece[], probe));
      }),
      { numRuns: 400 },
    );
  });
});

describe('KeyTimeline restored from a durable state', () => {
  it('continues exactly as if it had never stopped (state through JSON, for events after it)', () => {
    fc.assert(
      fc.property(timeline, events, fc.nat(), (node, list, cut) => {
        const plan = compileTimeline({ timeline: node });
        const rows = list.map((event, index) => toRow(plan, event.ts, index + 1, event.data)).sort((a, b) => a.ts - b.ts || a.seq - b.seq);
        const split = cut % (rows.length + 1);
        const options = { checkpointEvery: 3, lateHorizonMs: Number.POSITIVE_INFINITY };
        const before = new KeyTimeline(plan, options);
        for (const row of rows.slice(0, split)) before.push(row);
        const restored = new KeyTimeline(plan, options, JSON.parse(JSON.stringify(before.state())));
        for (const row of rows.slice(split)) restored.push(row);
        assert.deepEqual(restored.pieces(0), batchEvaluate(plan, rows)[plan.root]);
      }),
      { numRuns: 300 },
    );
  });
});

describe('TimelineEvaluator (keys sharing one arena) against batchEvaluate', () => {
  it('gives every interleaved key the timeline of its own events alone', () => {
    fc.assert(
      fc.property(timeline, events, fc.array(fc.constantFrom('k1', 'k2', 'k3'), { minLength: 25, maxLength: 25 }), (node, list, keys) => {
        const plan = compileTimeline({ timeline: node });
        const evaluator = new TimelineEvaluator({ plan, key: 'key', clock: new VirtualClock(0), checkpointEvery: 2 });
        list.forEach((event, index) => evaluator.push({ ts: event.ts, seq: index + 1, data: { ...event.data, key: keys[index] } }));
        for (const key of new Set(keys.slice(0, list.length))) {
          const rows = list.map((event, index) => ({ event, index })).filter(({ index }) => keys[index] === key)
            .map(({ event, index }) => toRow(plan, event.ts, index + 1, event.data)).sort((a, b) => a.ts - b.ts || a.seq - b.seq);
          const batch = batchEvaluate(plan, rows)[plan.root] as Piece[];
          for (const probe of [1_111, 4_000, 12_345]) {
            const expected = probe < (rows[0] as { ts: number }).ts ? null : valueAt(batch, probe);
            assert.equal(evaluator.valueAt(key, probe), plan.rootIsDuration && typeof expected === 'number' ? expected / 1_000 : expected, `${key} at ${probe}`);
          }
        }
      }),
      { numRuns: 300 },
    );
  });
});
