/**
 * What the two dataflow libraries (and ViewEngine, with the same views in
 * SQL over a sliding window) give for the parts of the views subset that
 * top_editors does not exercise, checked by running them (not read from
 * their docs): min/max under retraction (a value leaving a sliding window),
 * SQL's null rules for min and count, count(DISTINCT) (composed from
 * operators in the libraries), HAVING (a filter after groupBy). Each probe
 * yields the engine's answer beside the SQL answer.
 */
import type * as D2ts from '@electric-sql/d2ts';
import type * as DbIvm from '@tanstack/db-ivm';
import type { StoredEvent } from '../../src/core/event.js';
import { parseViewSql } from '../../src/views/parse-view-sql.js';
import { ViewEngine } from '../../src/views/view-engine.js';

interface Row {
  readonly g: string;
  readonly v: number | null;
}

export interface SemanticsProbe {
  readonly probe: string;
  readonly sql: string;
  readonly got: string;
  readonly ok: boolean;
}

type Step = readonly (readonly [Row, 1 | -1])[];

type Build = 'minmax' | 'count_v' | 'distinct' | 'having';

/**
 * Groups by g; after each step, the rows of the output as a sorted text.
 * Retractions (-1) always take the oldest rows still in, in order, so the
 * same steps are also a sliding window for ViewEngine.
 */
type Harness = (build: Build, steps: readonly Step[]) => Promise<string[]>;

const WINDOW = "ts > now() - INTERVAL '10 seconds'";
const WINDOW_MS = 10_000;
const VIEW_SQL: Readonly<Record<Build, string>> = {
  minmax: `CREATE VIEW p AS SELECT data.g AS g, min(data.v) AS lo, max(data.v) AS hi FROM c WHERE ${WINDOW} GROUP BY data.g`,
  count_v: `CREATE VIEW p AS SELECT data.g AS g, count(data.v) AS n FROM c WHERE ${WINDOW} GROUP BY data.g`,
  distinct: `CREATE VIEW p AS SELECT data.g AS g, count(DISTINCT data.v) AS n FROM c WHERE ${WINDOW} GROUP BY data.g`,
  having: `CREATE VIEW p AS SELECT data.g AS g, count(*) AS n FROM c WHERE ${WINDOW} GROUP BY data.g HAVING count(*) >= 2`,
};

/** ViewEngine with the same views in SQL: a -1 is the oldest event leaving the 10 s window as the clock moves. */
const viewEngineHarness: Harness = async (build, steps) => {
  const engine = new ViewEngine(await parseViewSql(VIEW_SQL[build]));
  const inWindow: StoredEvent[] = [];
  let seq = 0;
  return steps.map((step) => {
    for (const [row, diff] of step) {
      if (diff === 1) {
        seq += 1;
        const event: StoredEvent = { channel: 'c', seq, ts: seq * 1_000, id: null, data: row };
        inWindow.push(event);
        engine.insert(event);
      } else {
        const oldest = inWindow.shift();
        if (oldest === undefined || JSON.stringify(oldest.data) !== JSON.stringify(row)) throw new Error('a probe retracts a row that is not the oldest');
        engine.advanceTo(oldest.ts + WINDOW_MS);
      }
    }
    return engine.rows().map((row) => JSON.stringify(row)).sort().join(' ');
  });
};

function d2tsHarness(lib: typeof D2ts): Harness {
  return async (build, steps) => {
    const graph = new lib.D2({ initialFrontier: 0 });
    const input = graph.newInput<Row>();
    const state = new Map<string, number>();
    const collect = lib.output<unknown>((message) => {
      if (message.type !== lib.MessageType.DATA) return;
      for (const [item, multiplicity] of message.data.collection.getInner()) {
        const key = JSON.stringify((item as [string, unknown])[1]);
        state.set(key, (state.get(key) ?? 0) + multiplicity);
      }
    });
    const { groupBy, groupByOperators: ops } = lib;
    if (build === 'minmax') input.pipe(groupBy((row: Row) => ({ g: row.g }), { lo: ops.min((row: Row) => row.v as number), hi: ops.max((row: Row) => row.v as number) }), collect);
    if (build === 'count_v') input.pipe(groupBy((row: Row) => ({ g: row.g }), { n: ops.count() }), collect);
    if (build === 'distinct') {
      input.pipe(lib.map((row: Row): [string, Row] => [JSON.stringify([row.g, row.v]), row]), lib.distinct(), lib.map(([, row]: [string, Row]) => row),
        groupBy((row: Row) => ({ g: row.g }), { n: ops.count() }), collect);
    }
    if (build === 'having') input.pipe(groupBy((row: Row) => ({ g: row.g }), { n: ops.count() }), lib.filter(([, row]: [string, { n: number }]) => row.n >= 2), collect);
    graph.finalize();
    return steps.map((step, version) => {
      input.sendData(version, new lib.MultiSet(step.map(([row, diff]) => [row, diff])));
      input.sendFrontier(version + 1);
      graph.run();
      return visible(state);
    });
  };
}

function dbIvmHarness(lib: typeof DbIvm): Harness {
  return async (build, steps) => {
    const graph = new lib.D2();
    const input = graph.newInput<Row>();
    const state = new Map<string, number>();
    const collect = lib.output<unknown>((data) => {
      for (const [item, multiplicity] of data.getInner()) {
        const key = JSON.stringify((item as [string, unknown])[1]);
        state.set(key, (state.get(key) ?? 0) + multiplicity);
      }
    });
    const { groupBy, groupByOperators: ops } = lib;
    if (build === 'minmax') input.pipe(groupBy((row: Row) => ({ g: row.g }), { lo: ops.min((row: Row) => row.v as number), hi: ops.max((row: Row) => row.v as number) }), collect);
    if (build === 'count_v') input.pipe(groupBy((row: Row) => ({ g: row.g }), { n: ops.count((row: Row) => row.v) }), collect);
    if (build === 'distinct') {
      // db-ivm's distinct takes a keyed stream and answers [hash, value]: key the rows first, then drop the key.
      input.pipe(lib.map((row: Row): [string, Row] => [row.g, row]), lib.distinct(([, row]: [string, Row]) => [row.g, row.v]), lib.map(([, row]: [number, Row]) => row),
        groupBy((row: Row) => ({ g: row.g }), { n: ops.count() }), collect);
    }
    if (build === 'having') input.pipe(groupBy((row: Row) => ({ g: row.g }), { n: ops.count() }), lib.filter(([, row]: [string, { n: number }]) => row.n >= 2), collect);
    graph.finalize();
    return steps.map((step) => {
      input.sendData(new lib.MultiSet(step.map(([row, diff]) => [row, diff])));
      graph.run();
      return visible(state);
    });
  };
}

function visible(state: ReadonlyMap<string, number>): string {
  return [...state].filter(([, count]) => count > 0).map(([key]) => key).sort().join(' ');
}

const a = (v: number | null): Row => ({ g: 'a', v });

async function probes(harness: Harness): Promise<SemanticsProbe[]> {
  const results: SemanticsProbe[] = [];
  const check = (probe: string, sql: string, got: string, expected: string) => results.push({ probe, sql, got, ok: got === expected });
  // Values 1, 5, 3 arrive; then 1 leaves the window, then 5 does.
  const retract = await harness('minmax', [[[a(1), 1], [a(5), 1], [a(3), 1]], [[a(1), -1]], [[a(5), -1]]]);
  check('min_max_retraction', 'min(v), max(v) after 1 then 5 leave: (3,5) then (3,3)', retract.slice(1).join(' | '), '{"g":"a","lo":3,"hi":5} | {"g":"a","lo":3,"hi":3}');
  const nulls = await harness('minmax', [[[a(null), 1], [a(4), 1]]]);
  check('min_ignores_null', 'min(v), max(v) over {null, 4}: (4,4)', nulls[0] as string, '{"g":"a","lo":4,"hi":4}');
  const counted = await harness('count_v', [[[a(null), 1], [a(4), 1]]]);
  check('count_x_ignores_null', 'count(v) over {null, 4}: 1', counted[0] as string, '{"g":"a","n":1}');
  const distinct = await harness('distinct', [[[a(7), 1], [a(7), 1], [a(8), 1]], [[a(7), -1]], [[a(7), -1]]]);
  check('count_distinct_retraction', 'count(DISTINCT v) over {7,7,8}, then one 7 leaves, then the other: 2, 2, 1', distinct.join(' | '), '{"g":"a","n":2} | {"g":"a","n":2} | {"g":"a","n":1}');
  const having = await harness('having', [[[a(1), 1]], [[a(2), 1]], [[a(1), -1]]]);
  check('having_retraction', 'HAVING count(*) >= 2: absent, present, absent', having.join(' | '), ' | {"g":"a","n":2} | ');
  return results;
}

export async function probeLibraries(): Promise<{ readonly library: string; readonly probes: SemanticsProbe[] | null; readonly error: string | null }[]> {
  const out = [];
  for (const [library, load] of [
    ['playhead_view_engine', async () => viewEngineHarness],
    ['electric_sql_d2ts', async () => d2tsHarness(await import('@electric-sql/d2ts'))],
    ['tanstack_db_ivm', async () => dbIvmHarness(await import('@tanstack/db-ivm'))],
  ] as const) {
    try {
      out.push({ library, probes: await probes(await load()), error: null });
    } catch (error) {
      out.push({ library, probes: null, error: error instanceof Error ? error.message : String(error) });
    }
  }
  return out;
}
