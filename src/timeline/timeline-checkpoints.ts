/**
 * Durable timeline checkpoints, kept in the event log itself (reserved
 * channel `playhead.timeline-checkpoints`): every key's evaluator state and
 * the log position it covers (every event of the channel with seq <= `seq`).
 * One checkpoint is one appended batch (all parts or none), so a crash
 * never leaves half of one.
 */
import type { Clock } from '../core/clock.js';
import { normalizeEvent } from '../core/event.js';
import type { EventReader, EventWriter } from '../store/event-store.js';
import type { KeyState } from './key-timeline.js';

export const TIMELINE_CHECKPOINTS_CHANNEL = 'playhead.timeline-checkpoints';
/** Keys per stored event, so each stays well under the store's row sizes. */
const KEYS_PER_PART = 500;
const MAX_PART_BYTES = 64 << 20;
/** Checkpoint events are large: read them a few at a time. */
const SCAN_PAGE_EVENTS = 8;

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

export class TimelineCheckpointStore {
  readonly #reader: EventReader;
  readonly #writer: EventWriter;
  readonly #clock: Clock;

  constructor(reader: EventReader, writer: EventWriter, clock: Clock) {
    this.#reader = reader;
    this.#writer = writer;
    this.#clock = clock;
  }

  async write(timeline: string, id: number, number: number, checkpoint: TimelineCheckpoint): Promise<void> {
    const chunks: (readonly [string, KeyState])[][] = [];
    for (let index = 0; index < checkpoint.keys.length; index += KEYS_PER_PART) chunks.push(checkpoint.keys.slice(index, index + KEYS_PER_PART));
    if (chunks.length === 0) chunks.push([]);
    const now = this.#clock.now();
    const events = chunks.map((keys, part) => {
      const data: CheckpointPart = { timeline, id, number, part, parts: chunks.length, full: checkpoint.full, seq: checkpoint.seq, watermarkTs: checkpoint.watermarkTs, keys };
      return normalizeEvent({ data }, { now, maxEventBytes: MAX_PART_BYTES });
    });
    await this.#writer.append(TIMELINE_CHECKPOINTS_CHANNEL, events);
  }

  /**
   * The state as of this timeline's newest checkpoint: the newest full one
   * with every later incremental one applied over it, or undefined.
   */
  async latest(timeline: string, id: number): Promise<{ readonly number: number; readonly checkpoint: TimelineCheckpoint } | undefined> {
    const chain: CheckpointPart[][] = [];
    let collecting: CheckpointPart[] = [];
    scan: for await (const page of this.#reader.scan({ channel: TIMELINE_CHECKPOINTS_CHANNEL, order: 'desc', pageSize: SCAN_PAGE_EVENTS })) {
      for (const event of page) {
        const part = event.data as CheckpointPart;
        if (part.timeline !== timeline || part.id !== id) continue;
        if (collecting[0] !== undefined && collecting[0].number !== part.number) collecting = [];
        collecting.push(part);
        if (collecting.length < part.parts) continue;
        chain.push(collecting.sort((a, b) => a.part - b.part));
        collecting = [];
        if (part.full) break scan;
      }
    }
    const newest = chain[0]?.[0];
    if (newest === undefined || chain.at(-1)?.[0]?.full !== true) return undefined;
    const keys = new Map<string, KeyState>();
    for (const parts of chain.reverse()) for (const part of parts) for (const [key, state] of part.keys) keys.set(key, state);
    return { number: newest.number, checkpoint: { full: true, seq: newest.seq, watermarkTs: newest.watermarkTs, keys: [...keys] } };
  }
}
