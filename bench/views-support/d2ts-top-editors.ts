/**
 * top_editors on @electric-sql/d2ts (differential dataflow): filter,
 * groupBy with count(), then topK over one key (null) for a global top 10;
 * one version per batch, closed by advancing the frontier.
 */
import { D2, MessageType, MultiSet, filter, groupBy, groupByOperators, map, output, topK } from '@electric-sql/d2ts';
import type { StoredEvent } from '../../src/core/event.js';
import { MaterializedRows, type TopEditorsEngine } from './top-editors-engine.js';
import { TOP_K, compareRows, type TopEditorRow, type WikipediaEdit } from './top-editors.js';

export function d2tsTopEditors(): TopEditorsEngine {
  const graph = new D2({ initialFrontier: 0 });
  const input = graph.newInput<WikipediaEdit>();
  const materialized = new MaterializedRows();
  let changes = 0;
  input.pipe(
    filter((edit: WikipediaEdit) => edit.bot === false),
    groupBy((edit: WikipediaEdit) => ({ user: typeof edit.user === 'string' ? edit.user : null }), { edits: groupByOperators.count() }),
    map(([, row]): [null, TopEditorRow] => [null, { user: row.user, edits: row.edits }]),
    topK((a: TopEditorRow, b: TopEditorRow) => compareRows(a, b), { limit: TOP_K }),
    output<[null, TopEditorRow]>((message) => {
      if (message.type !== MessageType.DATA) return;
      for (const [[, row], multiplicity] of message.data.collection.getInner()) {
        materialized.add(row, multiplicity);
        changes += Math.abs(multiplicity);
      }
    }),
  );
  graph.finalize();
  let version = 0;
  return {
    name: 'electric_sql_d2ts',
    apply(batch: readonly StoredEvent[]): number {
      changes = 0;
      input.sendData(version, new MultiSet(batch.map((event): [WikipediaEdit, number] => [event.data as WikipediaEdit, 1])));
      version += 1;
      input.sendFrontier(version);
      graph.run();
      return changes;
    },
    rows: () => materialized.rows(compareRows),
  };
}
