/**
 * The server's timelines: definitions kept in the event log itself (the
 * `playhead.timelines` channel, replayed at start and followed live, like
 * views), each one evaluated from its channel's history and kept live from
 * the bus with the gapless switch of LiveTail. With several nodes every node
 * evaluates every timeline, and the node holding its lease writes its
 * checkpoints (docs/scaling.md "Ownership").
 */
import type { Clock, TimerHandle } from '../core/clock.js';
import { CHANNEL_NAME_PATTERN, validateChannelName } from '../core/channel-name.js';
import { describeValue } from '../core/describe-value.js';
import { PlayheadError } from '../core/errors.js';
import type { StoredEvent } from '../core/event.js';
import { LocalLeases } from '../live/in-process/local-leases.js';
import type { Leases } from '../live/leases.js';
import type { LiveBus } from '../live/live-bus.js';
import { DefinitionLog } from '../playback/definition-log.js';
import { BEFORE_EVERY_EVENT, LiveTail } from '../playback/live-tail.js';
import type { EventReader, EventWriter } from '../store/event-store.js';
import type { FeedStore } from '../store/feed-store.js';
import { compileTimeline, type TimelinePlan } from './compile-timeline.js';
import type { AggregateRow } from './timeline-aggregate.js';
import { TimelineCheckpointStore } from './timeline-checkpoints.js';
import { TimelineEvaluator, type ChangeListener, type EvaluatorStats, type TimelineInterval } from './timeline-evaluator.js';
import type { Scalar } from './timeline-piece.js';

export const TIMELINE_DEFINITIONS_CHANNEL = 'playhead.timelines';
const MAX_DEFINITION_BYTES = 64 << 10;
const KEY_PATH_PATTERN = /^[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*)*$/;

/** What POST /v1/timelines takes and GET lists. */
export interface TimelineDefinition {
  readonly name: string;
  readonly channel: string;
  /** Path of the key in each event, e.g. `data.session`. */
  readonly key: string;
  /** DSL text or JSON AST, as given. */
  readonly query: unknown;
}

type Record_ = { readonly action: 'create'; readonly definition: TimelineDefinition } | { readonly action: 'delete'; readonly name: string };

function recordName(record: Record_): string {
  return record.action === 'create' ? record.definition.name : record.name;
}

interface LiveTimeline {
  readonly definition: TimelineDefinition;
  /** Seq of the definition's record: tells a timeline from an older one of the same name. */
  readonly id: number;
  readonly evaluator: TimelineEvaluator;
  readonly tail: LiveTail;
  /** History read: from now on events come in seq order, so "every seq <= lastSeq applied" holds. */
  live: boolean;
  /** Highest seq applied (and, once live, every seq below it). */
  lastSeq: number;
  watermarkTs: number;
  /** Events applied since the last durable checkpoint. */
  dirty: boolean;
  checkpointNumber: number;
  /** A write failed, or this node just became the writer: the next checkpoint must hold every key. */
  needsFull: boolean;
  /** This node holds the timeline's lease: it writes the checkpoints. */
  owned: boolean;
  release: (() => void) | undefined;
}

/** The lease that decides which node writes a timeline's checkpoints. */
function timelineLease(name: string): string {
  return `timeline:${name}`;
}

const FULL_CHECKPOINT_EVERY = 10;

export const TIMELINE_REGISTRY_DEFAULTS = Object.freeze({ checkpointIntervalMs: 30_000, resumeWindowMs: 3_600_000 });

export interface TimelineRegistryOptions {
  readonly reader: EventReader;
  readonly writer: EventWriter;
  readonly bus: LiveBus;
  readonly clock: Clock;
  /** Decide which node writes each timeline's checkpoints. @default this node writes all */
  readonly leases?: Leases;
  /** Told when a timeline stops following its channel (the store failed); the timeline is removed. */
  readonly onTimelineFailed?: (name: string, error: unknown) => void;
  /** How often each timeline's state is checkpointed to the store, ms; 0: never. @default 30 s */
  readonly checkpointIntervalMs?: number;
  /**
   * On resume from a checkpoint, the channel is read from this long before
   * the checkpoint's latest event time (for events appended after the
   * checkpoint with older times), ms. @default 1 h
   */
  readonly resumeWindowMs?: number;
  /**
   * Where checkpoints are kept and compacted (only what a resume reads is
   * kept); omitted: appended to the event log, which keeps every one.
   */
  readonly checkpointFeeds?: FeedStore;
  /** Told when a checkpoint could not be written (the timeline keeps running). */
  readonly onCheckpointFailed?: (name: string, error: unknown) => void;
}

/** Validates a definition body and compiles its query (once); throws `invalid_parameter`, `invalid_channel` or `invalid_timeline`. */
function validateTimelineDefinition(body: unknown): { readonly definition: TimelineDefinition; readonly plan: TimelinePlan } {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    throw new PlayheadError('invalid_parameter', `a timeline definition must be an object {name, channel, key, query}, got ${describeValue(body)}`);
  }
  const { name, channel, key, query, ...rest } = body as Record<string, unknown>;
  const extra = Object.keys(rest)[0];
  if (extra !== undefined) throw new PlayheadError('invalid_parameter', `unknown field ${JSON.stringify(extra)}: a timeline has name, channel, key and query`);
  if (typeof name !== 'string' || !CHANNEL_NAME_PATTERN.test(name)) {
    throw new PlayheadError('invalid_parameter', `name must be 1-128 characters of A-Z a-z 0-9 . _ : -, got ${describeValue(name)}`);
  }
  if (typeof key !== 'string' || !KEY_PATH_PATTERN.test(key)) {
    throw new PlayheadError('invalid_parameter', `key must be a path in the event such as "data.session", got ${describeValue(key)}`);
  }
  if (query === undefined) throw new PlayheadError('invalid_parameter', 'field "query" is required: DSL text or a JSON AST');
  const plan = compileTimeline(query);
  return { definition: { name, channel: validateChannelName(channel), key, query }, plan };
}

export class TimelineRegistry {
  readonly #options: TimelineRegistryOptions;
  readonly #timelines = new Map<string, LiveTimeline>();
  readonly #checkpoints: TimelineCheckpointStore;
  readonly #checkpointIntervalMs: number;
  readonly #resumeWindowMs: number;
  readonly #log: DefinitionLog<Record_>;
  readonly #leases: Leases;
  #ticker: TimerHandle | undefined = undefined;
  #writing: Promise<void> = Promise.resolve();

  constructor(options: TimelineRegistryOptions) {
    this.#options = options;
    this.#leases = options.leases ?? new LocalLeases('local');
    this.#log = new DefinitionLog<Record_>({
      channel: TIMELINE_DEFINITIONS_CHANNEL, reader: options.reader, writer: options.writer, bus: options.bus, clock: options.clock,
      maxRecordBytes: MAX_DEFINITION_BYTES,
      nameOf: recordName,
      apply: (record, seq) => this.#apply(record, seq),
      onError: (error, record) => options.onTimelineFailed?.(record === undefined ? TIMELINE_DEFINITIONS_CHANNEL : recordName(record), error),
    });
    this.#checkpoints = new TimelineCheckpointStore({
      reader: options.reader, writer: options.writer, clock: options.clock,
      ...(options.checkpointFeeds === undefined ? {} : { feeds: options.checkpointFeeds }),
    });
    this.#checkpointIntervalMs = options.checkpointIntervalMs ?? TIMELINE_REGISTRY_DEFAULTS.checkpointIntervalMs;
    this.#resumeWindowMs = options.resumeWindowMs ?? TIMELINE_REGISTRY_DEFAULTS.resumeWindowMs;
    if (!(this.#checkpointIntervalMs >= 0)) throw new RangeError('checkpointIntervalMs must be >= 0');
    if (!(this.#resumeWindowMs >= 0)) throw new RangeError('resumeWindowMs must be >= 0');
    this.#tick();
  }

  /** Recreates every stored timeline (at server start), then follows those made on other nodes; one that no longer compiles is skipped and reported. */
  async load(): Promise<{ readonly name: string; readonly error: unknown }[]> {
    return (await this.#log.open()).map(({ record, error }) => ({ name: recordName(record), error }));
  }

  async create(body: unknown): Promise<TimelineDefinition> {
    const { definition } = validateTimelineDefinition(body);
    if (this.#timelines.has(definition.name)) {
      throw new PlayheadError('timeline_exists', `timeline ${definition.name} exists: DELETE /v1/timelines/${definition.name} first`);
    }
    await this.#log.record({ action: 'create', definition });
    return definition;
  }

  async delete(name: string): Promise<void> {
    const timeline = this.#get(name);
    await this.#log.record({ action: 'delete', name });
    // After any checkpoint being written: its rows go too (a feed store's; the event log keeps its own).
    this.#writing = this.#writing.then(async () => {
      try {
        await this.#checkpoints.forget(timeline.id);
      } catch (error) {
        this.#options.onCheckpointFailed?.(name, error);
      }
    });
    await this.#writing;
  }

  has(name: string): boolean {
    return this.#timelines.has(name);
  }

  describe(name: string): TimelineDefinition {
    return this.#get(name).definition;
  }

  /** Keys, events applied since this process started it (a resumed timeline counts only what followed its checkpoint), late ones. */
  stats(name: string): EvaluatorStats & { readonly appliedSeq: number } {
    const timeline = this.#get(name);
    return { ...timeline.evaluator.stats(), appliedSeq: timeline.lastSeq };
  }

  list(): TimelineDefinition[] {
    return [...this.#timelines.values()].map((timeline) => timeline.definition).sort((a, b) => (a.name < b.name ? -1 : 1));
  }

  valueAt(name: string, key: string, t: number): { readonly value: Scalar | null; readonly rate?: number } {
    const evaluator = this.#get(name).evaluator;
    const [interval] = evaluator.intervals(key, t, t + 1);
    if (interval === undefined) return { value: null };
    return interval.rate === undefined ? { value: interval.value } : { value: interval.value, rate: interval.rate };
  }

  intervals(name: string, key: string, start: number | undefined, end: number | undefined): TimelineInterval[] {
    return this.#get(name).evaluator.intervals(key, start, end);
  }

  aggregate(name: string, t: number): AggregateRow[] {
    return this.#get(name).evaluator.aggregate(t);
  }

  /** Every change of the timeline (of one key, or of all keys) from now on. */
  subscribe(name: string, key: string | undefined, listener: ChangeListener): () => void {
    const evaluator = this.#get(name).evaluator;
    return evaluator.onChange(key === undefined ? listener : (change) => change.key === key && listener(change));
  }

  /** The evaluator behind a timeline (tests and the checkpointer read it). */
  evaluator(name: string): TimelineEvaluator {
    return this.#get(name).evaluator;
  }

  /** Writes a checkpoint of every live timeline with news (also done every `checkpointIntervalMs`). */
  checkpoint(): Promise<void> {
    this.#writing = this.#writing.then(async () => {
      for (const [name, timeline] of this.#timelines) {
        if (!timeline.live || !timeline.dirty || !timeline.owned) continue;
        timeline.dirty = false;
        timeline.checkpointNumber += 1;
        // Mostly only the keys that changed; every FULL_CHECKPOINT_EVERY-th one holds every key, so a resume reads a short chain.
        const full = timeline.checkpointNumber % FULL_CHECKPOINT_EVERY === 1 || timeline.needsFull;
        timeline.needsFull = false;
        const checkpoint = { full, seq: timeline.lastSeq, watermarkTs: timeline.watermarkTs, keys: timeline.evaluator.takeStates(full) };
        try {
          await this.#checkpoints.write(name, timeline.id, timeline.checkpointNumber, checkpoint);
        } catch (error) {
          // The changed keys were taken: only a full checkpoint is sure to hold them now.
          timeline.dirty = true;
          timeline.needsFull = true;
          this.#options.onCheckpointFailed?.(name, error);
        }
      }
    });
    return this.#writing;
  }

  /** Stops every timeline after a last checkpoint. */
  async close(): Promise<void> {
    this.#log.close();
    this.#ticker?.cancel();
    this.#ticker = undefined;
    if (this.#checkpointIntervalMs > 0) await this.checkpoint();
    for (const [name, timeline] of this.#timelines) this.#stop(name, timeline);
  }

  #tick(): void {
    if (this.#checkpointIntervalMs === 0) return;
    this.#ticker = this.#options.clock.setTimer(this.#checkpointIntervalMs, () => {
      void this.checkpoint();
      this.#tick();
    });
  }

  #stop(name: string, timeline: LiveTimeline): void {
    timeline.release?.();
    timeline.release = undefined;
    timeline.tail.stop();
    timeline.evaluator.close();
    this.#timelines.delete(name);
  }

  async #start(definition: TimelineDefinition, plan: TimelinePlan, id: number): Promise<void> {
    const { reader, bus, clock } = this.#options;
    const evaluator = new TimelineEvaluator({ plan, key: definition.key, clock });
    const restored = await this.#checkpoints.latest(definition.name, id);
    const coveredSeq = restored?.checkpoint.seq ?? 0;
    for (const [key, state] of restored?.checkpoint.keys ?? []) evaluator.restoreKey(key, state);
    const tail = new LiveTail({
      channel: definition.channel, reader, bus,
      deliver: (events: readonly StoredEvent[]) => {
        for (const event of events) {
          // Already in the checkpoint: applying it again would count it twice.
          if (event.seq <= coveredSeq) continue;
          evaluator.push(event);
          if (event.seq > timeline.lastSeq) timeline.lastSeq = event.seq;
          if (event.ts > timeline.watermarkTs) timeline.watermarkTs = event.ts;
          timeline.dirty = true;
        }
        return true;
      },
      onError: (error) => {
        this.#timelines.delete(definition.name);
        evaluator.close();
        this.#options.onTimelineFailed?.(definition.name, error);
      },
    });
    const timeline: LiveTimeline = {
      definition, id, evaluator, tail, live: false,
      lastSeq: coveredSeq, watermarkTs: restored?.checkpoint.watermarkTs ?? Number.NEGATIVE_INFINITY, dirty: false,
      checkpointNumber: restored?.number ?? 0, needsFull: false, owned: false, release: undefined,
    };
    this.#timelines.set(definition.name, timeline);
    await tail.start(restored === undefined ? BEFORE_EVERY_EVENT : { ts: restored.checkpoint.watermarkTs - this.#resumeWindowMs, seq: 0 });
    timeline.live = true;
    // Granted during this start, the lease needs no second read: `latest` above saw what is stored.
    let starting = true;
    const release = await this.#leases.request(timelineLease(definition.name), {
      gained: async () => {
        // Another node may have written checkpoints meanwhile: this node's numbers follow its, and its chain starts with a full one.
        try {
          if (!starting) timeline.checkpointNumber = Math.max(timeline.checkpointNumber, await this.#checkpoints.adopt(definition.name, id));
        } catch (error) {
          this.#options.onCheckpointFailed?.(definition.name, error);
        }
        timeline.needsFull = true;
        timeline.owned = true;
      },
      lost: () => void (timeline.owned = false),
    });
    starting = false;
    if (this.#timelines.get(definition.name) === timeline) timeline.release = release;
    else release();
  }

  /** Applies a stored definition, made here or on another node. */
  async #apply(record: Record_, seq: number): Promise<void> {
    if (record.action === 'delete') {
      const timeline = this.#timelines.get(record.name);
      if (timeline !== undefined) this.#stop(record.name, timeline);
      return;
    }
    const { name } = record.definition;
    if (this.#timelines.has(name)) return;
    try {
      const { definition, plan } = validateTimelineDefinition(record.definition);
      await this.#start(definition, plan, seq);
    } catch (error) {
      const started = this.#timelines.get(name);
      if (started !== undefined) this.#stop(name, started);
      throw error;
    }
  }

  #get(name: string): LiveTimeline {
    const timeline = this.#timelines.get(name);
    if (timeline === undefined) throw new PlayheadError('unknown_timeline', `no timeline named ${name}: create it with POST /v1/timelines`);
    return timeline;
  }
}
