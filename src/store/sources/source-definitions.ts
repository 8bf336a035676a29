/**
 * Sources mounted through the API, kept durably in the native event log (the
 * reserved `playhead.sources` channel, replayed at start, as views, timelines
 * and feed rules keep theirs), so they survive a restart; a delete is recorded
 * too, so an unmounted source stays forgotten.
 */
import type { Clock } from '../../core/clock.js';
import { normalizeEvent } from '../../core/event.js';
import type { EventReader, EventWriter } from '../event-store.js';

export const SOURCE_DEFINITIONS_CHANNEL = 'playhead.sources';
/** A URL is short; the cap only keeps a hostile POST from writing a huge record. */
const MAX_DEFINITION_BYTES = 16 << 10;

export type SourceDefinition =
  | { readonly action: 'mount'; readonly name: string; readonly url: string }
  | { readonly action: 'unmount'; readonly name: string };

export interface SourceDefinitionLog {
  /** The native store (never the RoutingStore, which hides this channel from clients). */
  readonly reader: EventReader;
  readonly writer: EventWriter;
}

/** The latest definition of each name that is mounted, in the order they were first recorded. */
export async function readSourceDefinitions(log: SourceDefinitionLog): Promise<{ readonly name: string; readonly url: string }[]> {
  const latest = new Map<string, SourceDefinition>();
  for await (const page of log.reader.scan({ channel: SOURCE_DEFINITIONS_CHANNEL, order: 'asc' })) {
    for (const event of page) {
      const definition = event.data as SourceDefinition;
      // A record this version cannot read (hand-edited, or from a later version) is skipped, not fatal.
      if (typeof definition?.name === 'string') latest.set(definition.name, definition);
    }
  }
  const mounts: { name: string; url: string }[] = [];
  for (const definition of latest.values()) {
    if (definition.action === 'mount' && typeof definition.url === 'string') mounts.push({ name: definition.name, url: definition.url });
  }
  return mounts;
}

export async function recordSourceDefinition(log: SourceDefinitionLog, clock: Clock, definition: SourceDefinition): Promise<void> {
  const event = normalizeEvent({ data: definition }, { now: clock.now(), maxEventBytes: MAX_DEFINITION_BYTES });
  await log.writer.append(SOURCE_DEFINITIONS_CHANNEL, [event]);
}
