/**
 * The view under measurement and a plain reference for it: counts per user
 * kept in a Map and the top 10 sorted out after each batch, so every engine,
 * the server's deltas and the SQL peers are checked against one answer.
 */
import type { StoredEvent } from '../../src/core/event.js';

export const TOP_EDITORS_SQL = 'CREATE VIEW top_editors AS SELECT data.user AS user, count(*) AS edits FROM wikipedia WHERE data.bot = false GROUP BY data.user ORDER BY edits DESC LIMIT 10';
export const TOP_K = 10;

export interface TopEditorRow {
  readonly user: string | null;
  readonly edits: number;
}

export interface WikipediaEdit {
  readonly user?: unknown;
  readonly bot?: unknown;
}

/**
 * ORDER BY edits DESC, ties by the group key as ViewEngine breaks them (its
 * key is the JSON text of the group values, compared as JS strings).
 */
export function compareRows(a: TopEditorRow, b: TopEditorRow): number {
  if (a.edits !== b.edits) return b.edits - a.edits;
  const keyA = JSON.stringify([a.user]);
  const keyB = JSON.stringify([b.user]);
  return keyA < keyB ? -1 : keyA > keyB ? 1 : 0;
}

/** One text for a list of rows in view order: what "equal" means in every check. */
export function rowsText(rows: readonly TopEditorRow[]): string {
  return JSON.stringify(rows.map((row) => [row.user, row.edits]));
}

/** The user of an event that passes `WHERE data.bot = false` (three-valued: a missing bot is unknown), else undefined. */
export function editorOf(data: unknown): string | null | undefined {
  if (typeof data !== 'object' || data === null) return undefined;
  const edit = data as WikipediaEdit;
  if (edit.bot !== false) return undefined;
  return typeof edit.user === 'string' ? edit.user : null;
}

/** The expected rows after each batch, in view order. */
export function referenceSnapshots(batches: readonly (readonly StoredEvent[])[]): string[] {
  const counts = new Map<string | null, number>();
  return batches.map((batch) => {
    for (const event of batch) {
      const user = editorOf(event.data);
      if (user !== undefined) counts.set(user, (counts.get(user) ?? 0) + 1);
    }
    const rows = [...counts].map(([user, edits]): TopEditorRow => ({ user, edits })).sort(compareRows);
    return rowsText(rows.slice(0, TOP_K));
  });
}
