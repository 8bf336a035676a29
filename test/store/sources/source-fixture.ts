/**
 * Puts a table source behind the EventStore shape the conformance suite
 * drives: `append` inserts rows into the source's table by hand (the source
 * itself never writes), with id = the next seq, and channel X is the source's
 * channel `src/ch=X`. Event data is kept in one json column, `payload`.
 */
import type { NewEvent, StoredEvent } from '../../../src/core/event.js';
import type { AppendResult, ChannelInfo, EventStore } from '../../../src/store/event-store.js';
import { ManagedStore } from '../../../src/store/managed-store.js';
import type { MountedSource } from '../../../src/store/sources/mounted-source.js';

export const FIXTURE_SOURCE = 'src';
const PREFIX = `${FIXTURE_SOURCE}/ch=`;

/** Inserts rows (id, ts in epoch ms, channel, payload JSON text). */
export type RowWriter = (rows: readonly { readonly id: number; readonly ts: number; readonly channel: string; readonly payload: string }[]) => Promise<void>;

export function sourceAsStore(mount: () => Promise<MountedSource>, write: RowWriter, cleanup: () => Promise<void>): EventStore {
  let source: MountedSource | undefined;
  const ready = async () => (source ??= await mount());
  let nextId = 1;
  const ids = new Map<string, Set<string>>();
  const back = (event: StoredEvent): StoredEvent => ({ ...event, channel: event.channel.slice(PREFIX.length), data: (event.data as { payload: unknown }).payload });
  const info = (channel: ChannelInfo): ChannelInfo => ({ ...channel, name: channel.name.slice(PREFIX.length) });
  const store: EventStore = {
    capabilities: { writable: true, maxBatchRows: 1_000, readsSince: false },
    async *scan(request) {
      for await (const page of (await ready()).scan({ ...request, channel: PREFIX + request.channel })) yield page.map(back);
    },
    histogram: async (channel, request) => (await ready()).histogram(PREFIX + channel, request),
    listChannels: async () => (await (await ready()).listChannels()).map(info),
    getChannel: async (name) => {
      const found = await (await ready()).getChannel(PREFIX + name);
      return found === undefined ? undefined : info(found);
    },
    ping: async () => (await ready()).ping(),
    async append(channel: string, events: readonly NewEvent[]): Promise<AppendResult> {
      const seen = ids.get(channel) ?? new Set<string>();
      ids.set(channel, seen);
      const rows = [];
      const stored: StoredEvent[] = [];
      for (const event of events) {
        if (event.id !== null && seen.has(event.id)) continue;
        if (event.id !== null) seen.add(event.id);
        const id = nextId++;
        rows.push({ id, ts: event.ts, channel, payload: event.dataJson });
        stored.push({ channel, seq: id, ts: event.ts, id: String(id), data: event.data });
      }
      if (rows.length > 0) await write(rows);
      const firstSeq = stored[0]?.seq ?? null;
      return { accepted: rows.length, duplicates: events.length - rows.length, firstSeq, lastSeq: stored.at(-1)?.seq ?? null, stored };
    },
    async close() {
      await source?.close();
      await cleanup();
    },
  };
  return new ManagedStore(store, 'source');
}

/** The conformance cases that do not apply to a source, each with its reason. */
export const SOURCE_SKIPS: Readonly<Record<string, string>> = {
  'assigns strictly increasing seq starting at 1 and reports the range': 'append: a source is read-only (the fixture writes its rows)',
  'stores an id once per channel, across and within batches, without using a seq': 'append: a source is read-only; its id is the table\'s integer id',
  'answers an all-duplicate batch with no seq range': 'append: a source is read-only',
  'round-trips any JSON value exactly': 'append: a source\'s data is the row\'s other columns, not a producer\'s JSON',
  'gives concurrent appends to one channel distinct seqs and loses none': 'append: a source is read-only',
  'counts events per bucket over [start, end) at second resolution': 'a source counts rows exactly, so resolutionMs is 1, not the rollups\' 1000; the same counts are checked in table-source tests',
  'uses coarser counts for long windows and still sums every event': 'a source keeps no rollups: it counts rows exactly (resolutionMs 1); the sum is checked in source-reader tests',
  'reads the log in append order after a seq, late events in their seq place, in bounded pages': 'a source\'s ids are no dense log in seq order (capabilities.readsSince is false)',
  'closes idempotently and refuses use after close with a clear error': 'a source\'s lifecycle is its SourceRegistry\'s (unmount); tested there',
};
