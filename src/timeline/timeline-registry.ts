/**
 * The server's timelines: definitions kept in the event log itself (the
 * `playhead.timelines` channel, replayed at start and followed live, like
 * views). The node holding a timeline's lease evaluates it: from its latest
 * checkpoint and its channel's history, kept live from the bus with the
 * gapless switch of LiveTail, writing its checkpoints. Its changes go over
 * the bus to subscribers on every node; the other nodes send reads to it
 * (docs/scaling.md "Ownership").
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
import { TimelineEvaluator, type EvaluatorStats, type TimelineChange, type TimelineInterval } from './timeline-evaluator.js';
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

/** A timeline this node evaluates (it holds the lease). */
interface LiveTimeline {
  readonly evaluator: TimelineEvaluator;
  readonly tail: LiveTail;
  /** Highest seq applied (and every seq below it: the history is read before reads are answered). */
  lastSeq: number;
  watermarkTs: number;
  /** Events applied since the last durable checkpoint. */
  dirty: boolean;
  checkpointNumber: number;
  /** A write failed, or this node just became the writer: the next checkpoint must hold every key. */
  needsFull: boolean;
  /** Stops sending the evaluator's changes to the bus. */
  unwatch: (() => void) | undefined;
}

/** A timeline every node knows; one of them evaluates it. */
interface KnownTimeline {
  readonly definition: TimelineDefinition;
  readonly plan: TimelinePlan;
  /** Seq of the definition's record: tells a timeline from an older one of the same name. */
  readonly id: number;
  /** Present once this node, holding the lease, has read the history. */
  computed: LiveTimeline | undefined;
  /** While this node reads the history after winning the lease. */
  building: Promise<void> | undefined;
  /** +1 at every gain and loss of the lease: a history read that outlives its term is dropped. */
  term: number;
  /** Changes since the turn began, sent on the bus together. */
  pending: TimelineChange[];
  readonly subscribers: Set<(change: TimelineChange | null) => void>;
  readonly unlisten: () => void;
  release: (() => void) | undefined;
}

/** Where a timeline is evaluated, as its readers need to know. */
export type TimelinePlace = 'here' | 'starting' | 'elsewhere';

/** Changes per bus notice: small enough for a PostgreSQL NOTIFY in the common case. */
const CHANGES_PER_NOTICE = 40;

/** Where a timeline's evaluator sends its changes, for subscribers on every node. */
export function timelineChangesTopic(id: number): string {
  return `timeline.${id}`;
}

/** The lease that decides which node evaluates a timeline. */
export function timelineLease(name: string): string {
  return `timeline:${name}`;
}

const FULL_CHECKPOINT_EVERY = 10;

export const TIMELINE_REGISTRY_DEFAULTS = Object.freeze({ checkpointIntervalMs: 30_000, resumeWindowMs: 3_600_000 });

export interface TimelineRegistryOptions {
  readonly reader: EventReader;
  readonly writer: EventWriter;
  readonly bus: LiveBus;
  readonly clock: Clock;
  /** Decide which node evaluates each timeline. @default this node evaluates all */
  readonly leases?: Leases;
  /** Other nodes may subscribe: every change goes on the bus, even with no subscriber here. @default false */
  readonly shareChanges?: boolean;
  /** Told when a timeline stops following its channel (the store failed); the timeline is removed. */
  readonly onTimelineFailed?: (name: string, error: unknown) => void;
  /** How often each timeline's state is checkpointed to the store, ms; 0: never. @default 30 s */
  readonly checkpointIntervalMs?: number;
  /**
   * On resume from a checkpoint, the channel is read from this long before
   * the checkpoint's latest event time (for events appended after the
   * checkpoint with older times), ms. It is also each evaluator's
   * `lateHorizonMs`: an event later than this would be missed after a
   * restart, so it is counted `tooLate` live too, and no key keeps more
   * history for late events than this window. @default 1 h
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
  readonly #timelines = new Map<string, KnownTimeline>();
  readonly #checkpoints: TimelineCheckpointStore;
  readonly #checkpointIntervalMs: number;
  readonly #resumeWindowMs: number;
  readonly #log: DefinitionLog<Record_>;
  readonly #leases: Leases;
  #ticker: TimerHandle | undefined = undefined;
  #writing: Promise<void> = Promise.resolve();
  /** Inside a LiveTail delivery: the evaluator's changes wait for its end, to go on the bus together. */
  #delivering = false;

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

  /**
   * Recreates every stored timeline (at server start), then follows those
   * made on other nodes; resolves when those this node evaluates have read
   * their history. One that no longer compiles is skipped and reported.
   */
  async load(): Promise<{ readonly name: string; readonly error: unknown }[]> {
    const failures = (await this.#log.open()).map(({ record, error }) => ({ name: recordName(record), error }));
    await Promise.all([...this.#timelines.values()].map((timeline) => timeline.building));
    return failures;
  }

  async create(body: unknown): Promise<TimelineDefinition> {
    const { definition } = validateTimelineDefinition(body);
    if (this.#timelines.has(definition.name)) {
      throw new PlayheadError('timeline_exists', `timeline ${definition.name} exists: DELETE /v1/timelines/${definition.name} first`);
    }
    await this.#log.record({ action: 'create', definition });
    await this.#timelines.get(definition.name)?.building;
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

  /** Whether this node answers the timeline's reads (`here`), is reading its history (`starting`), or another node evaluates it. */
  place(name: string): TimelinePlace {
    const timeline = this.#get(name);
    if (timeline.computed !== undefined) return 'here';
    return timeline.building === undefined ? 'elsewhere' : 'starting';
  }

  /** Keys, events applied since this process started it (a resumed timeline counts only what followed its checkpoint), late ones. */
  stats(name: string): EvaluatorStats & { readonly appliedSeq: number } {
    const timeline = this.#computed(name);
    return { ...timeline.evaluator.stats(), appliedSeq: timeline.lastSeq };
  }

  list(): TimelineDefinition[] {
    return [...this.#timelines.values()].map((timeline) => timeline.definition).sort((a, b) => (a.name < b.name ? -1 : 1));
  }

  valueAt(name: string, key: string, t: number): { readonly value: Scalar | null; readonly rate?: number } {
    const [interval] = this.#computed(name).evaluator.intervals(key, t, t + 1);
    if (interval === undefined) return { value: null };
    return interval.rate === undefined ? { value: interval.value } : { value: interval.value, rate: interval.rate };
  }

  intervals(name: string, key: string, start: number | undefined, end: number | undefined): TimelineInterval[] {
    return this.#computed(name).evaluator.intervals(key, start, end);
  }

  aggregate(name: string, t: number): AggregateRow[] {
    return this.#computed(name).evaluator.aggregate(t);
  }

  /**
   * Every change of the timeline (of one key, or of all keys) from now on,
   * wherever it is evaluated; `null` when changes may have been lost on the
   * way (a bus reconnect).
   */
  subscribe(name: string, key: string | undefined, listener: (change: TimelineChange | null) => void): () => void {
    const timeline = this.#get(name);
    const subscriber = key === undefined ? listener : (change: TimelineChange | null) => (change === null || change.key === key) && listener(change);
    timeline.subscribers.add(subscriber);
    this.#watch(timeline);
    return () => {
      timeline.subscribers.delete(subscriber);
      this.#watch(timeline);
    };
  }

  /** Writes a checkpoint of every timeline this node evaluates with news (also done every `checkpointIntervalMs`). */
  checkpoint(): Promise<void> {
    this.#writing = this.#writing.then(async () => {
      for (const [name, { computed: timeline, id }] of this.#timelines) {
        if (timeline === undefined || !timeline.dirty) continue;
        timeline.dirty = false;
        timeline.checkpointNumber += 1;
        // Mostly only the keys that changed; every FULL_CHECKPOINT_EVERY-th one holds every key, so a resume reads a short chain.
        const full = timeline.checkpointNumber % FULL_CHECKPOINT_EVERY === 1 || timeline.needsFull;
        timeline.needsFull = false;
        const checkpoint = { full, seq: timeline.lastSeq, watermarkTs: timeline.watermarkTs, keys: timeline.evaluator.takeStates(full) };
        try {
          await this.#checkpoints.write(name, id, timeline.checkpointNumber, checkpoint);
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
    // A timeline whose lease was just won is checkpointed too, once its history is read.
    await Promise.all([...this.#timelines.values()].map((timeline) => timeline.building));
    if (this.#checkpointIntervalMs > 0) await this.checkpoint();
    for (const timeline of [...this.#timelines.values()]) this.#forget(timeline);
  }

  #tick(): void {
    if (this.#checkpointIntervalMs === 0) return;
    this.#ticker = this.#options.clock.setTimer(this.#checkpointIntervalMs, () => {
      void this.checkpoint();
      this.#tick();
    });
  }

  #forget(timeline: KnownTimeline): void {
    timeline.release?.();
    timeline.release = undefined;
    this.#stopComputing(timeline);
    timeline.unlisten();
    timeline.subscribers.clear();
    if (this.#timelines.get(timeline.definition.name) === timeline) this.#timelines.delete(timeline.definition.name);
  }

  /** Knows the timeline and asks for its lease: the holder evaluates it. */
  async #know(definition: TimelineDefinition, plan: TimelinePlan, id: number): Promise<void> {
    const { bus } = this.#options;
    const timeline: KnownTimeline = {
      definition, plan, id, computed: undefined, building: undefined, term: 0, pending: [], subscribers: new Set(), release: undefined,
      unlisten: bus.listen(timelineChangesTopic(id), (notice) => {
        const changes = notice === null ? [null] : (notice as { changes?: TimelineChange[] }).changes ?? [];
        for (const change of changes) for (const subscriber of timeline.subscribers) subscriber(change);
      }),
    };
    this.#timelines.set(definition.name, timeline);
    const release = await this.#leases.request(timelineLease(definition.name), {
      // Not awaited by the lease: a long history must not hold up the lease checks of other work; create and load wait for it.
      gained: () => {
        timeline.term += 1;
        timeline.building = this.#compute(timeline, timeline.term).finally(() => (timeline.building = undefined));
      },
      lost: () => {
        timeline.term += 1;
        this.#stopComputing(timeline);
      },
    });
    if (this.#timelines.get(definition.name) === timeline) timeline.release = release;
    else release();
  }

  /** This node won the lease: evaluates from the latest checkpoint (anyone's) and the history after it. */
  async #compute(known: KnownTimeline, term: number): Promise<void> {
    const { definition, plan, id } = known;
    const { reader, bus, clock } = this.#options;
    try {
      const restored = await this.#checkpoints.latest(definition.name, id);
      const coveredSeq = restored?.checkpoint.seq ?? 0;
      const evaluator = new TimelineEvaluator({ plan, key: definition.key, clock, lateHorizonMs: this.#resumeWindowMs });
      for (const [key, state] of restored?.checkpoint.keys ?? []) evaluator.restoreKey(key, state);
      const tail = new LiveTail({
        channel: definition.channel, reader, bus,
        deliver: (events: readonly StoredEvent[]) => {
          this.#delivering = true;
          try {
            // Already in the checkpoint: applying it again would count it twice.
            const fresh = events.filter((event) => event.seq > coveredSeq);
            evaluator.pushAll(fresh);
            for (const event of fresh) {
              if (event.seq > timeline.lastSeq) timeline.lastSeq = event.seq;
              if (event.ts > timeline.watermarkTs) timeline.watermarkTs = event.ts;
            }
            if (fresh.length > 0) timeline.dirty = true;
          } finally {
            this.#delivering = false;
          }
          this.#flush(known);
          return true;
        },
        onError: (error) => {
          this.#forget(known);
          this.#options.onTimelineFailed?.(definition.name, error);
        },
      });
      const timeline: LiveTimeline = {
        evaluator, tail, lastSeq: coveredSeq, watermarkTs: restored?.checkpoint.watermarkTs ?? Number.NEGATIVE_INFINITY, dirty: false,
        // Its chain starts with a full checkpoint numbered after every stored one, so it never leans on another node's.
        checkpointNumber: restored?.number ?? 0, needsFull: true, unwatch: undefined,
      };
      await tail.start(restored === undefined ? BEFORE_EVERY_EVENT : { ts: restored.checkpoint.watermarkTs - this.#resumeWindowMs, seq: 0 });
      if (known.term !== term || this.#timelines.get(definition.name) !== known) {
        tail.stop();
        evaluator.close();
        return;
      }
      known.computed = timeline;
      this.#watch(known);
    } catch (error) {
      this.#forget(known);
      this.#options.onTimelineFailed?.(definition.name, error);
    }
  }

  #stopComputing(known: KnownTimeline): void {
    const timeline = known.computed;
    known.computed = undefined;
    if (timeline === undefined) return;
    timeline.unwatch?.();
    timeline.tail.stop();
    timeline.evaluator.close();
  }

  /**
   * The evaluator's changes go on the bus while anyone may listen: a
   * subscriber here, or (with several nodes) one elsewhere. Without
   * listeners it tracks no changes at all.
   */
  #watch(known: KnownTimeline): void {
    const timeline = known.computed;
    if (timeline === undefined) return;
    const wanted = known.subscribers.size > 0 || this.#options.shareChanges === true;
    if (wanted && timeline.unwatch === undefined) {
      timeline.unwatch = timeline.evaluator.onChange((change) => {
        known.pending.push(change);
        if (!this.#delivering) this.#flush(known);
      });
    } else if (!wanted && timeline.unwatch !== undefined) {
      timeline.unwatch();
      timeline.unwatch = undefined;
    }
  }

  #flush(known: KnownTimeline): void {
    const changes = known.pending;
    if (changes.length === 0) return;
    known.pending = [];
    for (let index = 0; index < changes.length; index += CHANGES_PER_NOTICE) {
      this.#options.bus.notify(timelineChangesTopic(known.id), { changes: changes.slice(index, index + CHANGES_PER_NOTICE) });
    }
  }

  /** Applies a stored definition, made here or on another node. */
  async #apply(record: Record_, seq: number): Promise<void> {
    if (record.action === 'delete') {
      const timeline = this.#timelines.get(record.name);
      if (timeline !== undefined) this.#forget(timeline);
      return;
    }
    if (this.#timelines.has(record.definition.name)) return;
    const { definition, plan } = validateTimelineDefinition(record.definition);
    await this.#know(definition, plan, seq);
  }

  #get(name: string): KnownTimeline {
    const timeline = this.#timelines.get(name);
    if (timeline === undefined) throw new PlayheadError('unknown_timeline', `no timeline named ${name}: create it with POST /v1/timelines`);
    return timeline;
  }

  /** The timeline this node evaluates; throws `timeline_unavailable` where another node does. */
  #computed(name: string): LiveTimeline {
    const timeline = this.#get(name).computed;
    if (timeline === undefined) {
      throw new PlayheadError('timeline_unavailable', `timeline ${name} is evaluated by another node (GET /v1/cluster shows who holds ${timelineLease(name)}): ask it`);
    }
    return timeline;
  }
}
