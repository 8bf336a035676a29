/**
 * Durable timeline checkpoints: every key's evaluator state and the log
 * position it covers (every event of the channel with seq <= `seq`). One
 * checkpoint is one atomic write (all parts or none), so a crash never
 * leaves half of one.
 *
 * Where they live: in a FeedStore when one is given (what `playhead serve`
 * does: the feed store of the same URL), one feed per timeline, compacted:
 * writing a full checkpoint deletes every older one in the same
 * transaction, so what is kept is what a resume reads (the newest full one
 * and the incremental ones after it), never more. Without a feed store they
 * are appended to the reserved channel `playhead.timeline-checkpoints` of
 * the event log, which has no delete: that log grows with every checkpoint.
 */
import type { Clock } from '../core/clock.js';
import { normalizeEvent } from '../core/event.js';
import type { EventReader, EventWriter } from '../store/event-store.js';
import type { FeedOperation, FeedStore } from '../store/feed-store.js';
import type { KeyState } from './key-timeline.js';

export const TIMELINE_CHECKPOINTS_CHANNEL = 'playhead.timeline-checkpoints';
/** Feed keys of checkpoints: this prefix and the definition's id (a timeline name may be 128 characters, a feed key too). */
export const TIMELINE_CHECKPOINT_FEED_PREFIX = 'playhead.timeline-checkpoints:';
/** Keys per stored part, so each stays well under the store's row sizes. */
const KEYS_PER_PART = 500;
const MAX_PART_BYTES = 64 << 20;
/** Checkpoint parts are large: read them a few at a time. */
const SCAN_PAGE_EVENTS = 8;
/** A checkpoint feed is never trimmed by its bound: compaction removes what a resume no longer needs. */
const CHECKPOINT_FEED_MAX_ITEMS = 1_000_000_000;
const PART_DIGITS = 6;

export interface TimelineCheckpoint {
  /** Every key (a base), or only the keys changed since the previous checkpoint. */
  readonly full: boolean;
  /** Every event of the timeline's channel with seq <= this was applied. */
  readonly seq: number;
  /** The largest event time applied: where a resume starts reading. */
  readonly watermarkTs: number;
  readonly keys: readonly (readonly [string, KeyState])[];
}

interface CheckpointPart {
  readonly timeline: string;
  /** The definition's id: a timeline recreated under the same name never reads an older one's checkpoints. */
  readonly id: number;
  readonly number: number;
  readonly part: number;
  readonly parts: number;
  readonly full: boolean;
  readonly seq: number;
  readonly watermarkTs: number;
  readonly keys: readonly (readonly [string, KeyState])[];
}

export interface TimelineCheckpointStoreOptions {
  readonly reader: EventReader;
  readonly writer: EventWriter;
  readonly clock: Clock;
  /** Where checkpoints are kept and compacted; omitted: the event log (never compacted). */
  readonly feeds?: FeedStore;
}

export function checkpointFeedKey(id: number): string {
  return `${TIMELINE_CHECKPOINT_FEED_PREFIX}${id}`;
}

function partItemId(part: CheckpointPart): string {
  return `${part.number}:${String(part.part).padStart(PART_DIGITS, '0')}`;
}

export class TimelineCheckpointStore {
  readonly #options: TimelineCheckpointStoreOptions;
  /** By definition id: the feed items a resume needs now (the newest full checkpoint's and those after it). */
  readonly #kept = new Map<number, string[]>();

  constructor(options: TimelineCheckpointStoreOptions) {
    this.#options = options;
  }

  async write(timeline: string, id: number, number: number, checkpoint: TimelineCheckpoint): Promise<void> {
    const chunks: (readonly [string, KeyState])[][] = [];
    for (let index = 0; index < checkpoint.keys.length; index += KEYS_PER_PART) chunks.push(checkpoint.keys.slice(index, index + KEYS_PER_PART));
    if (chunks.length === 0) chunks.push([]);
    const parts = chunks.map((keys, part): CheckpointPart => ({
      timeline, id, number, part, parts: chunks.length, full: checkpoint.full, seq: checkpoint.seq, watermarkTs: checkpoint.watermarkTs, keys,
    }));
    const feeds = this.#options.feeds;
    if (feeds === undefined) {
      const now = this.#options.clock.now();
      await this.#options.writer.append(TIMELINE_CHECKPOINTS_CHANNEL, parts.map((data) => normalizeEvent({ data }, { now, maxEventBytes: MAX_PART_BYTES })));
      return;
    }
    const key = checkpointFeedKey(id);
    const ids = parts.map(partItemId);
    const operations: FeedOperation[] = [
      { kind: 'configure', key, maxItems: CHECKPOINT_FEED_MAX_ITEMS },
      { kind: 'add', key, items: parts.map((part, index) => ({ id: ids[index] as string, time: number, dataJson: JSON.stringify(part) })) },
    ];
    // A full checkpoint makes every older one useless to a resume: they go in the same transaction.
    const stale = checkpoint.full ? (this.#kept.get(id) ?? []) : [];
    if (stale.length > 0) operations.push({ kind: 'delete', key, ids: stale });
    await feeds.write(operations, { defaultMaxItems: CHECKPOINT_FEED_MAX_ITEMS });
    this.#kept.set(id, checkpoint.full ? ids : [...(this.#kept.get(id) ?? []), ...ids]);
  }

  /**
   * The state as of this timeline's newest checkpoint: the newest full one
   * with every later incremental one applied over it, or undefined.
   */
  async latest(timeline: string, id: number): Promise<{ readonly number: number; readonly checkpoint: TimelineCheckpoint } | undefined> {
    const chain: CheckpointPart[][] = [];
    let collecting: CheckpointPart[] = [];
    for await (const part of this.#newestFirst(timeline, id)) {
      if (collecting[0] !== undefined && collecting[0].number !== part.number) collecting = [];
      collecting.push(part);
      if (collecting.length < part.parts) continue;
      chain.push(collecting.sort((a, b) => a.part - b.part));
      collecting = [];
      if (part.full) break;
    }
    const newest = chain[0]?.[0];
    if (newest === undefined || chain.at(-1)?.[0]?.full !== true) return undefined;
    this.#kept.set(id, chain.flat().map(partItemId));
    const keys = new Map<string, KeyState>();
    for (const parts of chain.reverse()) for (const part of parts) for (const [key, state] of part.keys) keys.set(key, state);
    return { number: newest.number, checkpoint: { full: true, seq: newest.seq, watermarkTs: newest.watermarkTs, keys: [...keys] } };
  }

  /** Forgets a deleted timeline's checkpoints (the event log keeps its own: it has no delete). */
  async forget(id: number): Promise<void> {
    this.#kept.delete(id);
    await this.#options.feeds?.write([{ kind: 'drop', key: checkpointFeedKey(id) }], { defaultMaxItems: CHECKPOINT_FEED_MAX_ITEMS });
  }

  /** This timeline's checkpoint parts, newest first. */
  async *#newestFirst(timeline: string, id: number): AsyncGenerator<CheckpointPart> {
    const feeds = this.#options.feeds;
    if (feeds === undefined) {
      for await (const page of this.#options.reader.scan({ channel: TIMELINE_CHECKPOINTS_CHANNEL, order: 'desc', pageSize: SCAN_PAGE_EVENTS })) {
        for (const event of page) {
          const part = event.data as CheckpointPart;
          if (part.timeline === timeline && part.id === id) yield part;
        }
      }
      return;
    }
    const key = checkpointFeedKey(id);
    let before: { time: number; id: string } | undefined = undefined;
    for (;;) {
      const page = await feeds.read(key, before === undefined ? { limit: SCAN_PAGE_EVENTS } : { limit: SCAN_PAGE_EVENTS, before });
      // Newest first in feed order (time = checkpoint number, then id): the parts of one checkpoint come together.
      for (const item of page.items) yield item.data as CheckpointPart;
      const last = page.items.at(-1);
      if (last === undefined || page.items.length < SCAN_PAGE_EVENTS) return;
      before = { time: last.time, id: last.id };
    }
  }
}
