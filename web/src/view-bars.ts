/**
 * What the view panel draws from a view's rows: bars labelled by the first
 * text column and as long as the first numeric one, largest first, each
 * keyed so its element can slide to its new rank as deltas arrive.
 */
import type { ViewRow } from '../../client/index.js';

export interface ViewBar {
  /** Stable across updates of the same row's value, so the bar animates instead of being replaced. */
  readonly key: string;
  readonly label: string;
  readonly value: number;
  /** value / the largest value, 0-1. */
  readonly fraction: number;
}

export interface ViewPicture {
  readonly columns: readonly string[];
  /** The rows in the order drawn: by the value column, largest first. */
  readonly rows: readonly ViewRow[];
  /** Empty when the view has no numeric column. */
  readonly bars: readonly ViewBar[];
}

export function pictureOf(rows: readonly ViewRow[]): ViewPicture {
  const first = rows[0];
  if (first === undefined) return { columns: [], rows: [], bars: [] };
  const columns = Object.keys(first);
  const valueColumn = columns.find((column) => typeof first[column] === 'number');
  const labelColumn = columns.find((column) => column !== valueColumn && typeof first[column] !== 'number');
  const labelOf = (row: ViewRow) => (labelColumn === undefined ? valueColumn ?? '' : String(row[labelColumn]));
  const valueOf = (row: ViewRow) => (valueColumn === undefined ? 0 : Number(row[valueColumn] ?? 0));
  const ordered = [...rows].sort((a, b) => valueOf(b) - valueOf(a) || (labelOf(a) < labelOf(b) ? -1 : labelOf(a) > labelOf(b) ? 1 : 0));
  if (valueColumn === undefined) return { columns, rows: ordered, bars: [] };
  const largest = Math.max(...ordered.map(valueOf), 0);
  const seen = new Map<string, number>();
  const bars = ordered.map((row): ViewBar => {
    const label = labelOf(row);
    const repeat = seen.get(label) ?? 0;
    seen.set(label, repeat + 1);
    return { key: repeat === 0 ? label : `${label}\u0000${repeat}`, label, value: valueOf(row), fraction: largest > 0 ? valueOf(row) / largest : 0 };
  });
  return { columns, rows: ordered, bars };
}
