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
import { ViewEngine, type RowChange, type ViewRow } from '../../src/views/view-engine.js';
import type { Literal, ViewExpr, ViewPlan } from '../../src/views/view-plan.js';

/** The view computed directly from all events so far: what the engine must always equal. */
function fromScratch(plan: ViewPlan, events: readonly StoredEvent[], nowMs: number): ViewRow[] {
  const live = events.filter((e) => (plan.where === null || evaluate(plan.where, e) === true) && (plan.slidingWindowMs === null || e.ts > nowMs - plan.slidingWindowMs));
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
});

/** A second, simpler evaluator (no engine) for the random test: groups recomputed with fresh aggregate states. */
function fromScratchStrict(plan: ViewPlan, events: readonly StoredEvent[], nowMs: number): ViewRow[] {
  const live = events.filter((e) => (plan.where === null || evaluate(plan.where, e) === true) && (plan.slidingWindowMs === null || e.ts > nowMs - plan.slidingWindowMs));
  const aggregated = plan.groupBy.length > 0;
  if (!aggregated) return fromScratch(plan, live, nowMs);
  const groups = new Map<string, StoredEvent[]>();
  for (const event of live) {
    const key = JSON.stringify(plan.groupBy.map((expr) => evaluate(expr, event)));
    groups.set(key, [...(groups.get(key) ?? []), event]);
  }
  const valueOf = (expr: ViewExpr, members: readonly StoredEvent[]): Literal => {
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
    return evaluate(expr, members[0] as StoredEvent);
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
