/**
 * top_editors on @tanstack/db-ivm (TanStack DB's version-free fork of d2ts):
 * filter, groupBy with count(), then orderByWithFractionalIndex with a limit
 * (its only top-k operator) for a global top 10.
 */
import { D2, MultiSet, filter, groupBy, groupByOperators, orderByWithFractionalIndex, output } from '@tanstack/db-ivm';
import type { StoredEvent } from '../../src/core/event.js';
import { MaterializedRows, type TopEditorsEngine } from './top-editors-engine.js';
import { TOP_K, compareRows, type TopEditorRow, type WikipediaEdit } from './top-editors.js';

export function dbIvmTopEditors(): TopEditorsEngine {
  const graph = new D2();
  const input = graph.newInput<WikipediaEdit>();
  const materialized = new MaterializedRows();
  let changes = 0;
  input.pipe(
    filter((edit: WikipediaEdit) => edit.bot === false),
    groupBy((edit: WikipediaEdit) => ({ user: typeof edit.user === 'string' ? edit.user : null }), { edits: groupByOperators.count() }),
    orderByWithFractionalIndex((row: TopEditorRow) => row, { comparator: compareRows, limit: TOP_K }),
    output((data) => {
      // Each row arrives with its fractional index; a row that only moved cancels out once the index is dropped.
      for (const [[, [row]], multiplicity] of data.getInner()) {
        materialized.add(row, multiplicity);
        changes += Math.abs(multiplicity);
      }
    }),
  );
  graph.finalize();
  return {
    name: 'tanstack_db_ivm',
    apply(batch: readonly StoredEvent[]): number {
      changes = 0;
      input.sendData(new MultiSet(batch.map((event): [WikipediaEdit, number] => [event.data as WikipediaEdit, 1])));
      graph.run();
      return changes;
    },
    rows: () => materialized.rows(compareRows),
  };
}
