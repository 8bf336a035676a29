/**
 * Sources mounted through the API, kept durably in the native event log (the
 * reserved `playhead.sources` channel) and followed live on every node, as
 * views, timelines and feed rules keep theirs: a POST on one node mounts the
 * source on all of them, a restart remounts it, and a delete is recorded
 * too, so an unmounted source stays forgotten.
 */
import { PlayheadError } from '../../core/errors.js';

export const SOURCE_DEFINITIONS_CHANNEL = 'playhead.sources';
/** A URL is short; the cap only keeps a hostile POST from writing a huge record. */
export const MAX_SOURCE_DEFINITION_BYTES = 16 << 10;

export type SourceDefinition =
  | { readonly action: 'mount'; readonly name: string; readonly url: string }
  | { readonly action: 'unmount'; readonly name: string };

/**
 * Where definitions are kept: the playback layer's DefinitionLog over the
 * native store (never the RoutingStore, which hides the channel from
 * clients), built by the CLI, whose `apply` is `SourceRegistry.apply`.
 */
export interface SourceDefinitionLog {
  /** Applies the latest definition of every name, then follows the ones made on any node; resolves with those that failed. */
  open(): Promise<readonly { readonly record: SourceDefinition; readonly error: unknown }[]>;
  /** Stores a definition for every node; resolves once this node has applied it. */
  record(definition: SourceDefinition): Promise<unknown>;
  close(): void;
}

/** The definition a stored record holds; a record this version cannot read (hand-edited, or from a later version) is an error naming it. */
export function readSourceDefinition(record: unknown): SourceDefinition {
  const definition = record as Partial<Record<string, unknown>> | null;
  const name = definition?.name;
  if (typeof name === 'string' && definition?.action === 'unmount') return { action: 'unmount', name };
  if (typeof name === 'string' && definition?.action === 'mount' && typeof definition.url === 'string') return { action: 'mount', name, url: definition.url };
  throw new PlayheadError('invalid_source', `${SOURCE_DEFINITIONS_CHANNEL} holds a record this version cannot read, skipped: ${JSON.stringify(record).slice(0, 200)}`);
}

/** The name a record is about, for the log's "latest of each name"; an unreadable record is its own. */
export function sourceDefinitionName(record: unknown): string {
  const name = (record as { name?: unknown } | null)?.name;
  return typeof name === 'string' ? name : JSON.stringify(record);
}
