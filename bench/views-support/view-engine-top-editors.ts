/** top_editors on Playhead's own ViewEngine, fed as ViewRegistry feeds it: each batch's changes consolidated into one delta. */
import type { StoredEvent } from '../../src/core/event.js';
import { netChanges } from '../../src/views/net-changes.js';
import { parseViewSql } from '../../src/views/parse-view-sql.js';
import { ViewEngine } from '../../src/views/view-engine.js';
import type { TopEditorsEngine } from './top-editors-engine.js';
import { TOP_EDITORS_SQL, type TopEditorRow } from './top-editors.js';

export async function viewEngineTopEditors(): Promise<TopEditorsEngine> {
  const engine = new ViewEngine(await parseViewSql(TOP_EDITORS_SQL));
  return {
    name: 'playhead_view_engine',
    apply(batch: readonly StoredEvent[]): number {
      return netChanges(engine.insertAll(batch)).length;
    },
    rows: () => engine.rows().map((row): TopEditorRow => ({ user: row.user as string | null, edits: row.edits as number })),
  };
}
