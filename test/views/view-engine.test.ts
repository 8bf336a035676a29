/**
 * The incremental engine agrees with evaluating the view from scratch after
 * every event and every clock step, on the real Wikidata edits and on
 * random events (fast-check); applying its deltas rebuilds its rows.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import type { StoredEvent } from '../../src/core/event.js';
import { parseTime } from '../../src/core/time.js';
import { AggregateState } from '../../src/views/aggregate-state.js';
import { evaluate } from '../../src/views/evaluate-expr.js';
import { parseViewSql } from '../../src/views/parse-view-sql.js';
import { netChanges } from '../../src/views/net-changes.js';
import { ViewEngine, type RowChange, type ViewRow } from '../../src/views/view-engine.js';
import { JoinedEvents, type ViewInput } from '../../src/views/view-input.js';
import type { Literal, ViewExpr, ViewPlan, ViewSource } from '../../src/views/view-plan.js';

/** The view computed directly from all events so far: what the engine must always equal. */
function fromScratch(plan: ViewPlan, events: readonly StoredEvent[], nowMs: number): ViewRow[] {
  const live = events.filter((e) => (plan.where === null || evaluate(plan.where, e) === true) && (plan.slidingWindow === null || e.ts > nowMs - plan.slidingWindow.ms));
  const engine = new ViewEngine(plan);
  for (const event of live) engine.insert(event);
  return engine.rows();
}

/** An independent reference for one aggregated shape: count per group, ordered, limited. */
function topCounts(events: readonly StoredEvent[], path: string[], limit: number): ViewRow[] {
  const counts = new Map<Literal, number>();
  for (const event of events) {
    let value: unknown = event;
    for (const key of path) value = (value as Record<string, unknown> | null)?.[key] ?? null;
    counts.set(value as Literal, (counts.get(value as Literal) ?? 0) + 1);
  }
  return [...counts].map(([user, edits]) => ({ key: JSON.stringify([user]), user, edits }))
    .sort((a, b) => b.edits - a.edits || (a.key < b.key ? -1 : 1)).slice(0, limit).map(({ user, edits }) => ({ user, edits }));
}

function applyChanges(rows: ViewRow[], changes: readonly RowChange[]): ViewRow[] {
  const result = [...rows];
  for (const change of changes) {
    if (change.diff === 1) result.push(change.row);
    else result.splice(result.findIndex((row) => JSON.stringify(row) === JSON.stringify(change.row)), 1);
  }
  return result;
}

const sorted = (rows: readonly ViewRow[]) => rows.map((row) => JSON.stringify(row)).sort();

function wikipediaEvents(): StoredEvent[] {
  const lines = readFileSync(new URL('../../data/demo/wikipedia-recentchange.jsonl', import.meta.url), 'utf8').trim().split('\n');
  return lines.slice(0, 1_500).map((line, index) => {
    const data = JSON.parse(line) as { meta: { dt: string } };
    return { channel: 'wikipedia', seq: index + 1, ts: parseTime(data.meta.dt, { now: 0 }), id: null, data };
  });
}

describe('ViewEngine', () => {
  it('keeps top editors exact on real edits, and its deltas rebuild its rows', async () => {
    const plan = await parseViewSql('CREATE VIEW top_editors AS SELECT data.user AS user, count(*) AS edits FROM wikipedia WHERE data.bot = false GROUP BY data.user ORDER BY edits DESC LIMIT 10');
    const engine = new ViewEngine(plan);
    const seen: StoredEvent[] = [];
    let rebuilt: ViewRow[] = [];
    for (const event of wikipediaEvents()) {
      rebuilt = applyChanges(rebuilt, engine.insert(event));
      seen.push(event);
      if (event.seq % 50 === 0) assert.deepEqual(engine.rows(), topCounts(seen.filter((e) => (e.data as { bot: boolean }).bot === false), ['data', 'user'], 10), `after ${event.seq}`);
    }
    assert.deepEqual(sorted(rebuilt), sorted(engine.rows()));
    assert.equal(engine.rows().length, 10);
  });

  it('lets rows leave a sliding window as the clock moves, live or replayed', async () => {
    const plan = await parseViewSql("CREATE VIEW recent AS SELECT data.user AS user, count(*) AS edits FROM wikipedia WHERE ts > now() - INTERVAL '30 seconds' GROUP BY data.user ORDER BY edits DESC LIMIT 5");
    const engine = new ViewEngine(plan);
    const events = wikipediaEvents();
    let rebuilt: ViewRow[] = [];
    for (const [index, event] of events.entries()) {
      rebuilt = applyChanges(rebuilt, engine.insert(event));
      rebuilt = applyChanges(rebuilt, engine.advanceTo(event.ts));
      if (index % 100 === 0) assert.deepEqual(engine.rows(), fromScratch(plan, events.slice(0, index + 1), event.ts));
    }
    const last = events.at(-1) as StoredEvent;
    rebuilt = applyChanges(rebuilt, engine.advanceTo(last.ts + 30_000));
    assert.deepEqual(engine.rows(), [], 'everything has left the window');
    assert.deepEqual(rebuilt, []);
  });

  it('agrees with a from-scratch evaluation for random events, views and clock steps', async () => {
    const views = await Promise.all([
      "CREATE VIEW a AS SELECT data.k AS k, count(*) AS n, sum(data.v) AS total, min(data.v), max(data.v), avg(data.v), count(DISTINCT data.v) AS kinds FROM c WHERE ts > now() - INTERVAL '20 ms' GROUP BY data.k HAVING count(*) >= 2 ORDER BY n DESC, k LIMIT 3",
      'CREATE VIEW b AS SELECT data.k AS k, data.v AS v FROM c WHERE data.v > 2 OR data.k IS NULL ORDER BY v DESC LIMIT 4',
      'CREATE VIEW d AS SELECT data.k AS k, max(data.v) AS top FROM c GROUP BY data.k',
    ].map((sql) => parseViewSql(sql)));
    const eventArbitrary = fc.record({
      dt: fc.integer({ min: 0, max: 15 }),
      k: fc.constantFrom('x', 'y', 'z', null),
      v: fc.integer({ min: 0, max: 6 }),
    });
    await fc.assert(fc.property(fc.array(eventArbitrary, { maxLength: 60 }), fc.constantFrom(...views), (specs, plan) => {
      const engine = new ViewEngine(plan);
      const events: StoredEvent[] = [];
      let now = 0;
      let rebuilt: ViewRow[] = [];
      for (const [index, spec] of specs.entries()) {
        now += spec.dt;
        const event: StoredEvent = { channel: 'c', seq: index + 1, ts: now - (index % 3), id: null, data: { k: spec.k, v: spec.v } };
        events.push(event);
        rebuilt = applyChanges(rebuilt, engine.insert(event));
        rebuilt = applyChanges(rebuilt, engine.advanceTo(now));
        assert.deepEqual(engine.rows(), fromScratchStrict(plan, events, now));
      }
      assert.deepEqual(sorted(rebuilt), sorted(engine.rows()));
    }), { numRuns: 200 });
  });

  it('gives the same rows and net changes for a batch as for its events one by one', async () => {
    const plan = await parseViewSql('CREATE VIEW t AS SELECT data.k AS k, count(*) AS n, max(data.v) AS top FROM c GROUP BY data.k ORDER BY n DESC, k LIMIT 2');
    const key = (changes: readonly RowChange[]) => netChanges(changes).map((c) => `${c.diff}${JSON.stringify(c.row)}`).sort();
    await fc.assert(fc.property(fc.array(fc.array(fc.record({ k: fc.constantFrom('x', 'y', 'z'), v: fc.integer({ min: 0, max: 3 }) }), { maxLength: 6 }), { maxLength: 12 }), (batches) => {
      const batched = new ViewEngine(plan);
      const single = new ViewEngine(plan);
      let seq = 0;
      for (const batch of batches) {
        const events = batch.map((data): StoredEvent => ({ channel: 'c', seq: ++seq, ts: seq, id: null, data }));
        assert.deepEqual(key(batched.insertAll(events)), key(events.flatMap((event) => single.insert(event))));
        assert.deepEqual(batched.rows(), single.rows());
      }
    }), { numRuns: 200 });
  });

  it('keeps inner joins exact for random events of two channels, self-joins and windows included', async () => {
    const views = await Promise.all([
      'CREATE VIEW j AS SELECT o.data.k AS k, count(*) AS n, sum(p.data.v) AS paid FROM orders o JOIN payments p ON p.data.k = o.data.k WHERE p.data.v > 0 GROUP BY o.data.k ORDER BY n DESC, k LIMIT 2',
      'CREATE VIEW r AS SELECT o.data.v AS ov, p.data.v AS pv FROM orders o JOIN payments p ON o.data.k = p.data.k ORDER BY pv DESC LIMIT 3',
      "CREATE VIEW w AS SELECT p.data.k AS k, count(*) AS n, max(o.data.v) AS top FROM orders o JOIN payments p ON o.data.k = p.data.k WHERE p.ts > now() - INTERVAL '15 ms' GROUP BY p.data.k",
      "CREATE VIEW s AS SELECT a.data.k AS k, count(*) AS pairs FROM orders a JOIN orders b ON a.data.k = b.data.k WHERE a.ts > now() - INTERVAL '20 ms' AND a.data.v <> b.data.v GROUP BY a.data.k",
    ].map((sql) => parseViewSql(sql)));
    const eventArbitrary = fc.record({
      dt: fc.integer({ min: 0, max: 8 }),
      channel: fc.constantFrom('orders', 'payments'),
      k: fc.constantFrom('x', 'y', 'z', null),
      v: fc.integer({ min: 0, max: 4 }),
    });
    await fc.assert(fc.property(fc.array(eventArbitrary, { maxLength: 40 }), fc.constantFrom(...views), (specs, plan) => {
      const engine = new ViewEngine(plan);
      const events: StoredEvent[] = [];
      const seqs = new Map<string, number>();
      let now = 0;
      let rebuilt: ViewRow[] = [];
      for (const spec of specs) {
        now += spec.dt;
        const seq = (seqs.get(spec.channel) ?? 0) + 1;
        seqs.set(spec.channel, seq);
        const event: StoredEvent = { channel: spec.channel, seq, ts: now - (seq % 2), id: null, data: { k: spec.k, v: spec.v } };
        events.push(event);
        rebuilt = applyChanges(rebuilt, engine.insert(event));
        rebuilt = applyChanges(rebuilt, engine.advanceTo(now));
        assert.deepEqual(engine.rows(), fromScratchStrict(plan, events, now));
      }
      assert.deepEqual(sorted(rebuilt), sorted(engine.rows()));
    }), { numRuns: 300 });
  });
});

/** A second, simpler evaluator (no engine) for the random tests: inputs listed, grouped and aggregated afresh. */
function fromScratchStrict(plan: ViewPlan, events: readonly StoredEvent[], nowMs: number): ViewRow[] {
  const inWindow = (alias: string, event: StoredEvent) => plan.slidingWindow?.source !== alias || event.ts > nowMs - plan.slidingWindow.ms;
  const passes = (input: ViewInput) => plan.where === null || evaluate(plan.where, input) === true;
  const inputs: { key: string; input: ViewInput }[] = [];
  if (plan.joinOn === null) {
    const alias = (plan.sources[0] as ViewSource).alias;
    for (const event of events) if (inWindow(alias, event) && passes(event)) inputs.push({ key: `${event.seq}`, input: event });
  } else {
    const [left, right] = plan.sources as [ViewSource, ViewSource];
    const on = plan.joinOn as { left: ViewExpr & { source: string }; right: ViewExpr };
    const [leftKey, rightKey] = on.left.source === left.alias ? [on.left, on.right] : [on.right, on.left];
    for (const l of events.filter((e) => e.channel === left.channel && inWindow(left.alias, e))) {
      for (const r of events.filter((e) => e.channel === right.channel && inWindow(right.alias, e))) {
        const lk = evaluate(leftKey, l);
        if (lk === null || lk !== evaluate(rightKey, r)) continue;
        const input = new JoinedEvents(left.alias, l, r);
        if (passes(input)) inputs.push({ key: `${l.seq}:${r.seq}`, input });
      }
    }
  }
  const aggregated = plan.groupBy.length > 0 || plan.columns.some((c) => c.expr.kind === 'aggregate');
  const groups = new Map<string, ViewInput[]>();
  for (const { key, input } of inputs) {
    const groupKey = aggregated ? JSON.stringify(plan.groupBy.map((expr) => evaluate(expr, input))) : key;
    groups.set(groupKey, [...(groups.get(groupKey) ?? []), input]);
  }
  const valueOf = (expr: ViewExpr, members: readonly ViewInput[]): Literal => {
    if (expr.kind === 'aggregate') {
      const state = new AggregateState(expr.name, expr.distinct);
      for (const member of members) state.add(expr.arg === null ? undefined : evaluate(expr.arg, member));
      return state.result();
    }
    if (expr.kind === 'compare') {
      const left = valueOf(expr.left, members);
      const right = valueOf(expr.right, members);
      return left === null || right === null ? null : expr.op === '>=' ? left >= right : left === right;
    }
    return evaluate(expr, members[0] as ViewInput);
  };
  const rows = [...groups].filter(([, members]) => plan.having === null || valueOf(plan.having, members) === true)
    .map(([key, members]) => ({ key, row: Object.fromEntries(plan.columns.map((c) => [c.name, valueOf(c.expr, members)])), sort: plan.orderBy.map((o) => valueOf(o.expr, members)) }));
  rows.sort((a, b) => {
    for (const [i, order] of plan.orderBy.entries()) {
      const x = a.sort[i] as Literal;
      const y = b.sort[i] as Literal;
      if (x === y) continue;
      const cmp = x === null ? 1 : y === null ? -1 : x < y ? -1 : 1;
      return order.descending ? -cmp : cmp;
    }
    return a.key < b.key ? -1 : 1;
  });
  return rows.slice(0, plan.limit ?? rows.length).map((r) => r.row);
}
