/**
 * The checks every introspector makes once it has read a table's columns:
 * the named columns exist, the id is an integer, names do not clash, and the
 * key column makes valid channel names. Errors say what to fix in the URL.
 */
import { isChannelName } from '../../core/channel-name.js';
import { PlayheadError } from '../../core/errors.js';
import type { IndexReport, SourceSpec } from './source-spec.js';
import { ROW_ALIASES } from './source-sql.js';

export interface CatalogColumn {
  readonly name: string;
  readonly type: string;
}

export function sourceError(spec: SourceSpec, message: string): PlayheadError {
  return new PlayheadError('invalid_source', `source ${spec.name}: ${message}`);
}

/** The column called `name`, or an error listing the table's columns and the parameter to fix. */
export function requireColumn(spec: SourceSpec, table: string, columns: readonly CatalogColumn[], name: string, parameter: string): CatalogColumn {
  const column = columns.find((candidate) => candidate.name === name);
  if (column !== undefined) return column;
  const names = columns.map((candidate) => candidate.name).join(', ');
  throw sourceError(spec, `table ${table} has no column ${JSON.stringify(name)} (it has ${names}): fix ${parameter}=`);
}

export function checkNames(spec: SourceSpec, table: string, columns: readonly CatalogColumn[]): void {
  const clash = columns.find((column) => (Object.values(ROW_ALIASES) as string[]).includes(column.name));
  if (clash !== undefined) throw sourceError(spec, `table ${table} has a column named ${clash.name}, which Playhead uses itself: mount a view that renames it`);
  if (spec.keyColumn !== undefined && !isChannelName(`${spec.name}/${spec.keyColumn}=x`)) {
    throw sourceError(spec, `key column ${JSON.stringify(spec.keyColumn)} cannot be part of a channel name (A-Z a-z 0-9 . _ : -): mount a view that renames it`);
  }
}

/** An index (or sort key) is usable when it leads with the key column, if any, then the time column. */
export function indexReport(spec: SourceSpec, indexes: readonly { readonly name: string; readonly columns: readonly string[] }[], advice: string): IndexReport {
  const lead = spec.keyColumn === undefined ? [spec.timeColumn] : [spec.keyColumn, spec.timeColumn];
  const usable = indexes.find((index) => lead.every((column, at) => index.columns[at] === column));
  return usable === undefined ? { usable: false, name: null, advice } : { usable: true, name: usable.name, advice: null };
}

export function integerIdError(spec: SourceSpec, table: string, column: CatalogColumn): PlayheadError {
  return sourceError(spec, `id column ${column.name} of ${table} is ${column.type}: a source needs an integer id (serial, identity, bigint) to order rows of equal time and resume after one; name one with id=`);
}
