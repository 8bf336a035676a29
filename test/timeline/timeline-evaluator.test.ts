import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { VirtualClock } from '../../src/core/virtual-clock.js';
import { compileTimeline } from '../../src/timeline/compile-timeline.js';
import { TimelineEvaluator, type TimelineChange } from '../../src/timeline/timeline-evaluator.js';
import { REBUFFERING_QUERY } from '../../src/cli/video-sessions.js';
import { seededRandom } from '../../src/core/seeded-random.js';

const S = 1_000;
const REBUFFERING = REBUFFERING_QUERY;

type Spec = readonly [seconds: number, data: Record<string, unknown>];

function evaluate(query: string, events: readonly Spec[], options: { clock?: VirtualClock; order?: readonly number[] } = {}): TimelineEvaluator {
  const evaluator = new TimelineEvaluator({ plan: compileTimeline(query), key: 'data.session', clock: options.clock ?? new VirtualClock(0), checkpointEvery: 2 });
  const order = options.order ?? events.map((_, index) => index);
  for (const index of order) {
    const [seconds, data] = events[index] as Spec;
    evaluator.push({ ts: seconds * S, seq: index + 1, data: { session: 's1', ...data } });
  }
  return evaluator;
}

/** Intervals in seconds: [start, end, value] (and the rate when growing). */
function bands(evaluator: TimelineEvaluator, key = 's1', from = 0): unknown[] {
  return evaluator.intervals(key, from * S).map((i) => {
    const row: unknown[] = [i.start / S, i.end === null ? null : i.end / S, i.value];
    if (i.rate !== undefined) row.push(i.rate);
    return row;
  });
}

const state = (value: string): Record<string, unknown> => ({ playerStateChange: value });
const ACCEPTANCE: Spec[] = [[1, state('play')], [2, state('seek')], [3, state('buffer')], [10, state('play')]];

describe('TimelineEvaluator: the acceptance example (session s1)', () => {
  it('is false on [1,7), true on [7,10), false from 10, and counts 0 to 7, 1 at 8, 2 at 9, 3 from 10', () => {
    const inner = evaluate(REBUFFERING.slice('duration_where('.length, -1), ACCEPTANCE);
    assert.deepEqual(bands(inner), [[0, 1, null], [1, 7, false], [7, 10, true], [10, null, false]]);
    const evaluator = evaluate(REBUFFERING, ACCEPTANCE);
    assert.deepEqual([6, 7, 8, 9, 10, 11, 100].map((t) => evaluator.valueAt('s1', t * S)), [0, 0, 1, 2, 3, 3, 3]);
    assert.deepEqual(bands(evaluator), [[0, 1, null], [1, 7, 0], [7, 10, 0, 1], [10, null, 3]]);
  });

  it('sends the change at 7 that no event marks, when the clock reaches it', () => {
    const clock = new VirtualClock(0);
    const evaluator = new TimelineEvaluator({ plan: compileTimeline(REBUFFERING), key: 'session', clock });
    const changes: TimelineChange[] = [];
    evaluator.onChange((change) => changes.push(change));
    for (const [index, [seconds, data]] of ACCEPTANCE.slice(0, 3).entries()) {
      clock.advance(seconds * S - clock.now());
      evaluator.push({ ts: seconds * S, seq: index + 1, data: { session: 's1', ...data } });
    }
    assert.deepEqual(changes, [{ key: 's1', at: 1 * S, value: 0 }]);
    clock.advance(4 * S - 1);
    assert.equal(changes.length, 1, 'nothing before 7 s');
    clock.advance(1);
    assert.deepEqual(changes.at(-1), { key: 's1', at: 7 * S, value: 0, rate: 1 });
    clock.advance(3 * S);
    evaluator.push({ ts: 10 * S, seq: 4, data: { session: 's1', playerStateChange: 'play' } });
    assert.deepEqual(changes.at(-1), { key: 's1', at: 10 * S, value: 3 });
  });
});

describe('latest_event_to_state', () => {
  it('holds the latest value of events that have the column, unknown before the first one', () => {
    const evaluator = evaluate('latest_event_to_state(bitrate)', [[1, {}], [2, { bitrate: 300 }], [3, { other: 1 }], [4, { bitrate: 300 }], [5, { bitrate: 800 }]]);
    assert.deepEqual(bands(evaluator), [[0, 1, null], [1, 2, null], [2, 5, 300], [5, null, 800]]);
  });

  it('takes the last of several events at one instant, in seq order', () => {
    const evaluator = evaluate('latest_event_to_state(s)', [[1, { s: 'a' }], [2, { s: 'b' }], [2, { s: 'c' }]]);
    assert.deepEqual(bands(evaluator, 's1', 1), [[1, 2, 'a'], [2, null, 'c']]);
  });
});

describe('has_existed and has_existed_within', () => {
  it('has_existed is false from the first event until a match, then true forever', () => {
    const evaluator = evaluate('has_existed(n > 3)', [[1, { n: 1 }], [4, { n: 5 }], [6, { n: 0 }]]);
    assert.deepEqual(bands(evaluator, 's1', 1), [[1, 4, false], [4, null, true]]);
  });

  it('joins overlapping windows: each match re-arms', () => {
    const evaluator = evaluate('has_existed_within(e == "x", 5s)', [[1, { e: 'y' }], [2, { e: 'x' }], [5, { e: 'x' }], [20, { e: 'x' }], [25, { e: 'x' }]]);
    assert.deepEqual(bands(evaluator, 's1', 1), [[1, 2, false], [2, 10, true], [10, 20, false], [20, 30, true], [30, null, false]]);
  });

  it('reads durations as 250ms, 10m or bare seconds', () => {
    const evaluator = evaluate('has_existed_within(e == "x", 250ms) || has_existed_within(e == "z", 1)', [[1, { e: 'x' }], [3, { e: 'z' }]]);
    assert.deepEqual(bands(evaluator, 's1', 1), [[1, 1.25, true], [1.25, 3, false], [3, 4, true], [4, null, false]]);
  });
});

describe('comparisons', () => {
  it('switch a growing duration at the exact crossing instant', () => {
    const evaluator = evaluate('duration_where(latest_event_to_state(s) == "idle") > 2.5', [[1, { s: 'idle' }], [2, { s: 'busy' }], [4, { s: 'idle' }]]);
    assert.deepEqual(bands(evaluator, 's1', 1), [[1, 5.5, false], [5.5, null, true]]);
  });

  it('compare durations with units, and in both directions', () => {
    const evaluator = evaluate('duration_in_cur_state(latest_event_to_state(s)) < 1m', [[0, { s: 'a' }], [30, { s: 'b' }]]);
    assert.deepEqual(bands(evaluator), [[0, 90, true], [90, null, false]]);
  });

  it('give unknown for values of another type and for unknown values', () => {
    const evaluator = evaluate('latest_event_to_state(v) > 3', [[1, {}], [2, { v: 'high' }], [3, { v: 4 }], [4, { v: 2 }]]);
    assert.deepEqual(bands(evaluator, 's1', 1), [[1, 3, null], [3, 4, true], [4, null, false]]);
  });
});

describe('&&, || and ! (three-valued)', () => {
  it('false && unknown is false, true || unknown is true, otherwise unknown', () => {
    const u = 'latest_event_to_state(u) == 1';
    const f = 'has_existed(x == 1)';
    const t = '!has_existed(x == 1)';
    const at = (query: string): unknown => evaluate(query, [[1, { y: 0 }]]).valueAt('s1', 1 * S);
    assert.deepEqual([at(`${f} && ${u}`), at(`${t} && ${u}`), at(`${t} || ${u}`), at(`${f} || ${u}`), at(`!(${u})`)], [false, null, true, null, null]);
  });
});

describe('duration_where and duration_in_cur_state', () => {
  it('duration_where counts only true (unknown counts nothing)', () => {
    const evaluator = evaluate('duration_where(latest_event_to_state(b) == true)', [[0, {}], [2, { b: true }], [5, { b: false }], [6, { b: true }]]);
    assert.deepEqual([1, 3, 5, 6, 8].map((t) => evaluator.valueAt('s1', t * S)), [0, 1, 3, 3, 5]);
  });

  it('duration_in_cur_state restarts at every change of value, and an equal value is no change', () => {
    const evaluator = evaluate('duration_in_cur_state(latest_event_to_state(s))', [[1, { s: 'a' }], [3, { s: 'a' }], [4, { s: 'b' }]]);
    assert.deepEqual(bands(evaluator, 's1', 1), [[1, 4, 0, 1], [4, null, 0, 1]]);
    assert.equal(evaluator.valueAt('s1', 3.5 * S), 2.5);
  });

  it('duration_in_cur_state also restarts at a window end no event marks', () => {
    const evaluator = evaluate('duration_in_cur_state(has_existed_within(e == "x", 2))', [[0, { e: 'x' }]]);
    assert.deepEqual(bands(evaluator), [[0, 2, 0, 1], [2, null, 0, 1]]);
  });
});

describe('late events', () => {
  it('give the exact result of the same events in order', () => {
    const inOrder = evaluate(REBUFFERING, ACCEPTANCE);
    const late = evaluate(REBUFFERING, ACCEPTANCE, { order: [0, 2, 3, 1] });
    assert.deepEqual(bands(late), bands(inOrder));
    assert.deepEqual(late.stats(), { keys: 1, events: 4, keyless: 0, late: 1, tooLate: 0 });
  });

  it('send one revised change at the late event\'s time', () => {
    const clock = new VirtualClock(20 * S);
    const evaluator = new TimelineEvaluator({ plan: compileTimeline(REBUFFERING), key: 'session', clock });
    for (const [index, [seconds, data]] of ACCEPTANCE.entries()) if (index !== 1) evaluator.push({ ts: seconds * S, seq: index + 1, data: { session: 's1', ...data } });
    const changes: TimelineChange[] = [];
    evaluator.onChange((change) => changes.push(change));
    evaluator.push({ ts: 2 * S, seq: 2, data: { session: 's1', playerStateChange: 'seek' } });
    assert.deepEqual(changes, [{ key: 's1', at: 2 * S, value: 3, revised: true }]);
    assert.equal(evaluator.valueAt('s1', 20 * S), 3);
  });

  it('drop events older than the late horizon, and count them', () => {
    const evaluator = new TimelineEvaluator({ plan: compileTimeline('latest_event_to_state(v)'), key: 'k', clock: new VirtualClock(0), checkpointEvery: 1, lateHorizonMs: 10 * S });
    for (let i = 0; i < 30; i += 1) evaluator.push({ ts: i * S, seq: i + 1, data: { k: 'a', v: i } });
    assert.equal(evaluator.push({ ts: 25 * S, seq: 100, data: { k: 'a', v: -1 } }), 'revised');
    assert.equal(evaluator.push({ ts: 5 * S, seq: 101, data: { k: 'a', v: -1 } }), 'too_late');
    assert.equal(evaluator.valueAt('a', 25.5 * S), -1);
  });

  it('keep one hour for late events by default, and count what is later than that', () => {
    const evaluator = new TimelineEvaluator({ plan: compileTimeline('latest_event_to_state(v)'), key: 'k', clock: new VirtualClock(0) });
    const MINUTE = 60 * S;
    for (let i = 0; i <= 300; i += 1) evaluator.push({ ts: i * MINUTE, seq: i + 1, data: { k: 'a', v: i } });
    assert.equal(evaluator.push({ ts: 250.5 * MINUTE, seq: 1_000, data: { k: 'a', v: -1 } }), 'revised');
    assert.equal(evaluator.push({ ts: 100.5 * MINUTE, seq: 1_001, data: { k: 'a', v: -1 } }), 'too_late');
    assert.equal(evaluator.valueAt('a', 250.7 * MINUTE), -1);
    assert.equal(evaluator.valueAt('a', 100.7 * MINUTE), 100);
    assert.deepEqual(evaluator.stats(), { keys: 1, events: 303, keyless: 0, late: 1, tooLate: 1 });
  });
});

describe('aggregate', () => {
  it('groups keys by a column\'s latest value and aggregates their values at an instant', () => {
    const evaluator = new TimelineEvaluator({
      plan: compileTimeline('duration_where(latest_event_to_state(s) == "buffer") | aggregate(group_by(country), count, sum, avg, min, max)'),
      key: 'session', clock: new VirtualClock(0),
    });
    const push = (seconds: number, session: string, data: object) => evaluator.push({ ts: seconds * S, seq: seconds, data: { session, ...data } });
    push(0, 'a', { s: 'buffer', country: 'fr' });
    push(1, 'b', { s: 'buffer', country: 'fr' });
    push(2, 'c', { s: 'play', country: 'de' });
    push(3, 'a', { s: 'play' });
    assert.deepEqual(evaluator.aggregate(5 * S), [
      { group: 'de', count: 1, sum: 0, avg: 0, min: 0, max: 0 },
      { group: 'fr', count: 2, sum: 7, avg: 3.5, min: 3, max: 4 },
    ]);
    assert.deepEqual(evaluator.aggregate(0.5 * S), [{ group: 'fr', count: 1, sum: 0.5, avg: 0.5, min: 0.5, max: 0.5 }]);
  });
});

describe('pushAll', () => {
  it('applies events exactly as push does one by one: the same values, stats and changes, across runs it reads ahead', () => {
    const random = seededRandom(5);
    const states = ['play', 'buffer', 'seek', 'pause'];
    // 3,000 interleaved events of 40 keys (some numeric), one in ten up to 20 s late, one in fifty keyless.
    const events = Array.from({ length: 3_000 }, (_, index) => {
      const key = random() < 0.02 ? undefined : random() < 0.2 ? Math.floor(random() * 8) : `k${Math.floor(random() * 32)}`;
      const late = random() < 0.1 ? Math.floor(random() * 20 * S) : 0;
      return { ts: index * 100 - late, seq: index + 1, data: { session: key, playerStateChange: states[Math.floor(random() * states.length)] } };
    });
    const run = (apply: (evaluator: TimelineEvaluator) => void) => {
      const clock = new VirtualClock(0);
      const evaluator = new TimelineEvaluator({ plan: compileTimeline(REBUFFERING), key: 'data.session', clock, checkpointEvery: 4 });
      const changes: TimelineChange[] = [];
      evaluator.onChange((change) => changes.push(change));
      apply(evaluator);
      clock.advance(400 * S);
      return { evaluator, changes };
    };
    const one = run((evaluator) => {
      for (const event of events) evaluator.push(event);
    });
    const batched = run((evaluator) => {
      // Calls of 1 to 200 events: runs of every length, and runs that split one call.
      for (let from = 0; from < events.length;) {
        const to = Math.min(events.length, from + 1 + Math.floor(random() * 200));
        evaluator.pushAll(events.slice(from, to));
        from = to;
      }
    });
    assert.ok(one.evaluator.stats().late > 0 && one.evaluator.stats().keyless > 0);
    assert.deepEqual(batched.evaluator.stats(), one.evaluator.stats());
    assert.deepEqual(batched.evaluator.keys(), one.evaluator.keys());
    assert.deepEqual(batched.changes, one.changes);
    for (const key of one.evaluator.keys()) assert.deepEqual(batched.evaluator.intervals(key), one.evaluator.intervals(key), key);
  });
});
