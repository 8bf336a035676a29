/**
 * One viewer's DVR session over one channel: a state machine (playing,
 * paused, live, ended, stopped) that pages events from the store ahead of
 * the playhead and delivers each at its due wall time on the shared timer
 * wheel, never before. A slow consumer slows its own replay; live delivery
 * to a consumer that falls too far behind ends with `slow_consumer`.
 */
import type { Clock } from '../core/clock.js';
import { PlayheadError } from '../core/errors.js';
import { compareReplayOrder, type Position, type StoredEvent } from '../core/event.js';
import type { LiveBus } from '../live/live-bus.js';
import type { PlaybackStatus } from '../protocol/server-messages.js';
import type { EventReader } from '../store/event-store.js';
import { EventPrefetcher } from './event-prefetcher.js';
import { LiveTail } from './live-tail.js';
import type { PlayCommand, PlaybackCommand } from './playback-command.js';
import { anchorMark, dueWallMs, edgeWallMs, isPaced, positionAt, reanchor, type Mark, type Timing } from './schedule.js';
import type { ScheduledTask, TimerWheel } from './timer-wheel.js';

export interface PlaybackState {
  readonly status: PlaybackStatus;
  readonly positionMs: number;
  readonly speed: number;
  readonly loop: boolean;
  readonly start: number | null;
  readonly end: number | null;
  readonly iteration: number;
}

/** Where a session's output goes (a WebSocket, in the server). */
export interface PlaybackSink {
  event(event: StoredEvent): void;
  state(state: PlaybackState): void;
  error(error: PlayheadError): void;
  /** True while the consumer has more queued than it should take. */
  congested(): boolean;
  /** Live delivery could not keep up; the session has stopped. */
  slowConsumer(): void;
}

export interface PlaybackConfig {
  /** Events per store read; the session holds at most two pages. @default 500 */
  readonly pageSize: number;
  /** Longest wall time between state messages while playing or live, ms. @default 1000 */
  readonly stateIntervalMs: number;
  /** How often a congested consumer is checked again, ms. @default 10 */
  readonly congestionRetryMs: number;
  /** How often a window that can still grow is read again once its stored events are played, ms. @default 1000 */
  readonly historyPollMs: number;
}

export const PLAYBACK_DEFAULTS: PlaybackConfig = Object.freeze({ pageSize: 500, stateIntervalMs: 1_000, congestionRetryMs: 10, historyPollMs: 1_000 });

export interface PlaybackSessionOptions {
  readonly channel: string;
  readonly reader: EventReader;
  readonly bus: LiveBus;
  readonly clock: Clock;
  readonly wheel: TimerWheel;
  readonly sink: PlaybackSink;
  readonly config?: Partial<PlaybackConfig>;
}

const AFTER_EVERY_SEQ = Number.MAX_SAFE_INTEGER;

export class PlaybackSession {
  readonly #channel: string;
  readonly #reader: EventReader;
  readonly #bus: LiveBus;
  readonly #clock: Clock;
  readonly #wheel: TimerWheel;
  readonly #sink: PlaybackSink;
  readonly #config: PlaybackConfig;
  readonly #prefetcher: EventPrefetcher;
  #status: PlaybackStatus = 'stopped';
  #start: number | null = null;
  #end: number | null = null;
  #loop = false;
  #iteration = 0;
  #timing: Timing;
  #last: Mark;
  /** Replay-order position of the last event delivered (or undefined after a seek). */
  #cursor: Position | undefined = undefined;
  /** The playhead while not playing. */
  #heldPositionMs = 0;
  #task: ScheduledTask | undefined = undefined;
  #lastStateWallMs = Number.NEGATIVE_INFINITY;
  #lastPollWallMs = Number.NEGATIVE_INFINITY;
  #stalledSinceWallMs: number | undefined = undefined;
  /** A play or seek waits for its first page before the clock starts, so its first event is not late by the read. */
  #anchorPending = false;
  #stepsOwed = 0;
  #liveTail: LiveTail | undefined = undefined;
  #unfollowGrowth: (() => void) | undefined = undefined;

  constructor(options: PlaybackSessionOptions) {
    this.#channel = options.channel;
    this.#reader = options.reader;
    this.#bus = options.bus;
    this.#clock = options.clock;
    this.#wheel = options.wheel;
    this.#sink = options.sink;
    this.#config = Object.freeze({ ...PLAYBACK_DEFAULTS, ...options.config });
    this.#prefetcher = new EventPrefetcher(this.#reader, this.#config.pageSize, {
      onReady: () => this.#pump(),
      onError: (error) => this.#fail(error),
    });
    this.#timing = { anchorPositionMs: 0, anchorWallMs: 0, speed: 1, minGapMs: 0, maxGapMs: Number.POSITIVE_INFINITY };
    this.#last = anchorMark(this.#timing);
  }

  get status(): PlaybackStatus {
    return this.#status;
  }

  /** Applies a command; throws a PlayheadError (state unchanged) when it does not apply now. */
  handle(command: PlaybackCommand): void {
    switch (command.kind) {
      case 'play': return this.#play(command);
      case 'pause': return this.#pause();
      case 'resume': return this.#resume();
      case 'seek': return this.#seek(command.to);
      case 'seekBy': return this.#seek(this.position() + command.byMs);
      case 'speed': return this.#setSpeed(command.speed);
      case 'loop':
        this.#loop = command.loop ?? !this.#loop;
        return this.#sendState();
      case 'step': return this.#step(command.count);
      case 'live': return this.#goLive(command.after ?? undefined);
      case 'stop':
        this.#halt('stopped');
        return this.#sendState();
      default: {
        const unhandled: never = command;
        throw new TypeError(`unhandled playback command ${JSON.stringify(unhandled)}`);
      }
    }
  }

  /** The playhead now, epoch ms. */
  position(): number {
    if (this.#status === 'live') return this.#clock.now();
    if (this.#status !== 'playing') return this.#heldPositionMs;
    const wallMs = this.#stalledSinceWallMs ?? this.#clock.monotonic();
    const next = this.#prefetcher.peek();
    const nextMark = next !== undefined && isPaced(this.#timing) ? { positionMs: next.ts, wallMs: dueWallMs(this.#timing, this.#last, next.ts) } : undefined;
    return this.#clamp(positionAt(this.#timing, wallMs, this.#last, nextMark));
  }

  state(): PlaybackState {
    return {
      status: this.#status, positionMs: Math.round(this.position()), speed: this.#timing.speed, loop: this.#loop,
      start: this.#start, end: this.#end, iteration: this.#iteration,
    };
  }

  /** Ends the session without a last state message (the connection is gone). */
  close(): void {
    this.#halt('stopped');
  }

  #play(command: PlayCommand): void {
    this.#halt('stopped');
    this.#start = command.start;
    this.#end = command.end;
    this.#loop = command.loop;
    this.#iteration = 0;
    this.#timing = { ...this.#timing, speed: command.speed, minGapMs: command.minGapMs, maxGapMs: command.maxGapMs };
    if (command.start === null) return this.#goLive(command.after ?? undefined);
    const from = command.speed > 0 ? command.start : command.end ?? this.#clock.now();
    this.#startPlaying(command.after === null ? from : this.#clamp(command.after.ts), this.#clock.monotonic(), { after: command.after ?? undefined, waitForFirstPage: true });
    this.#sendState();
    this.#pump();
  }

  #pause(): void {
    if (this.#status === 'playing') {
      this.#heldPositionMs = this.position();
      this.#cancelTask();
      this.#status = 'paused';
    } else if (this.#status === 'live') {
      // A DVR pause on live: keep the place; resume time-shifts from here.
      this.#heldPositionMs = this.#clock.now();
      this.#stopLive();
      this.#start = null;
      this.#end = null;
      this.#status = 'paused';
      this.#resetScan(this.#heldPositionMs);
    }
    this.#sendState();
  }

  #resume(): void {
    if (this.#status === 'stopped') throw new PlayheadError('invalid_state', 'nothing to resume: send play first');
    if (this.#status === 'ended') {
      this.#iteration += 1;
      this.#startPlaying(this.#restartPosition() ?? this.#heldPositionMs, this.#clock.monotonic());
    } else if (this.#status === 'paused') {
      this.#timing = reanchor(this.#timing, this.#heldPositionMs, this.#clock.monotonic());
      this.#last = anchorMark(this.#timing);
      this.#status = 'playing';
    }
    this.#sendState();
    this.#pump();
  }

  #seek(targetMs: number): void {
    if (this.#status === 'stopped') throw new PlayheadError('invalid_state', 'nothing to seek in: send play first');
    const target = this.#clamp(targetMs);
    if (this.#status === 'live') this.#stopLive();
    if (this.#status !== 'paused') {
      this.#startPlaying(target, this.#clock.monotonic(), { waitForFirstPage: true });
    } else {
      this.#status = 'paused';
      this.#heldPositionMs = target;
      this.#resetScan(target);
    }
    this.#sendState();
    this.#pump();
  }

  #setSpeed(speed: number): void {
    const reversing = Math.sign(speed) !== Math.sign(this.#timing.speed);
    if (this.#status === 'live' && speed > 0) {
      this.#timing = { ...this.#timing, speed };
    } else if (this.#status === 'live' || this.#status === 'playing') {
      const from = this.position();
      if (this.#status === 'live') this.#stopLive();
      this.#timing = { ...this.#timing, speed };
      if (reversing || this.#status === 'live') this.#startPlaying(from, this.#clock.monotonic());
      else {
        this.#timing = reanchor(this.#timing, from, this.#clock.monotonic(), speed);
        this.#last = anchorMark(this.#timing);
      }
    } else {
      this.#timing = { ...this.#timing, speed };
      if (reversing) this.#resetScan(this.#heldPositionMs);
    }
    this.#sendState();
    this.#pump();
  }

  #step(count: number): void {
    if (this.#status !== 'paused') throw new PlayheadError('invalid_state', `step works while paused, and the session is ${this.#status}: send pause first`);
    this.#stepsOwed = count;
    this.#pump();
  }

  /**
   * Plays from `positionMs`, anchored at `wallMs` (a loop passes its edge's own time, keeping the rhythm).
   * `waitForFirstPage` moves the anchor to when the first page is read, so a play's first event is not late by the read.
   */
  #startPlaying(positionMs: number, wallMs: number, { after, waitForFirstPage = false }: { after?: Position; waitForFirstPage?: boolean } = {}): void {
    this.#cancelTask();
    this.#status = 'playing';
    this.#timing = reanchor(this.#timing, positionMs, wallMs);
    this.#last = anchorMark(this.#timing);
    this.#stalledSinceWallMs = undefined;
    this.#anchorPending = waitForFirstPage;
    this.#resetScan(positionMs, after);
  }

  /** Reads from `positionMs` in the play direction, or strictly after the event `after`. */
  #resetScan(positionMs: number, after?: Position): void {
    this.#followGrowth();
    this.#cursor = after;
    this.#lastPollWallMs = this.#clock.monotonic();
    this.#prefetcher.reset({
      channel: this.#channel,
      order: this.#timing.speed > 0 ? 'asc' : 'desc',
      start: this.#start ?? undefined,
      end: this.#end ?? undefined,
      after: after ?? { ts: positionMs, seq: this.#timing.speed > 0 ? 0 : AFTER_EVERY_SEQ },
    });
  }

  /** Delivers every event that is due, then sleeps until the next one (or the next state message, edge or poll). */
  #pump(): void {
    if (this.#stepsOwed > 0) return this.#deliverSteps();
    if (this.#status !== 'playing') return;
    this.#cancelTask();
    const nowMs = this.#clock.monotonic();
    if (this.#stalledSinceWallMs !== undefined) {
      if (this.#sink.congested()) return this.#wakeAt(nowMs + this.#config.congestionRetryMs);
      this.#shiftSchedule(nowMs - this.#stalledSinceWallMs);
      this.#stalledSinceWallMs = undefined;
    }
    if (this.#anchorPending) {
      if (this.#prefetcher.peek() === undefined && this.#prefetcher.fetching) return this.#idle(nowMs, Number.POSITIVE_INFINITY);
      this.#anchorPending = false;
      this.#shiftSchedule(nowMs - this.#timing.anchorWallMs);
    }
    for (;;) {
      const next = this.#prefetcher.peek();
      if (next === undefined) return this.#prefetcher.fetching ? this.#idle(nowMs, Number.POSITIVE_INFINITY) : this.#atEndOfStored(nowMs);
      const dueMs = dueWallMs(this.#timing, this.#last, next.ts);
      if (dueMs > nowMs) return this.#idle(nowMs, dueMs);
      if (this.#sink.congested()) {
        this.#stalledSinceWallMs = nowMs;
        return this.#wakeAt(nowMs + this.#config.congestionRetryMs);
      }
      this.#prefetcher.take();
      this.#last = { positionMs: next.ts, wallMs: dueMs };
      this.#cursor = next;
      this.#sink.event(next);
    }
  }

  /** No stored event is left to play in the window as it stands. */
  #atEndOfStored(nowMs: number): void {
    const forward = this.#timing.speed > 0;
    const edge = forward ? this.#end : this.#start;
    if (edge !== null) {
      const edgeMs = edgeWallMs(this.#timing, this.#last, edge);
      if (nowMs >= edgeMs) return this.#reachEdge(edge, edgeMs);
      return this.#pollOrIdle(nowMs, edgeMs);
    }
    if (!forward) return this.#reachEdge(this.#last.positionMs, nowMs);
    // Open end: time-shifted play catches up with live when the playhead reaches now.
    if (this.position() >= this.#clock.now()) return this.#goLive(this.#cursor ?? { ts: this.position(), seq: 0 });
    this.#pollOrIdle(nowMs, Number.POSITIVE_INFINITY);
  }

  /** Reads the window again for events stored since (rate-limited); otherwise sleeps until `untilMs`. */
  #pollOrIdle(nowMs: number, untilMs: number): void {
    const canGrow = this.#timing.speed > 0 && (this.#end === null || this.#end > this.#clock.now());
    const pollAtMs = this.#lastPollWallMs + this.#config.historyPollMs;
    if (canGrow && nowMs >= pollAtMs) {
      this.#lastPollWallMs = nowMs;
      const after = this.#cursor ?? { ts: this.#timing.anchorPositionMs, seq: 0 };
      this.#prefetcher.reset({ channel: this.#channel, order: 'asc', start: this.#start ?? undefined, end: this.#end ?? undefined, after });
      return;
    }
    this.#idle(nowMs, canGrow ? Math.min(untilMs, pollAtMs) : untilMs);
  }

  #reachEdge(edge: number, edgeWallMs: number): void {
    const restart = this.#loop ? this.#restartPosition() : null;
    if (restart === null) {
      this.#halt('ended');
      this.#heldPositionMs = edge;
      return this.#sendState();
    }
    // Next iteration anchored at the edge's own due time, so the loop keeps its rhythm.
    this.#iteration += 1;
    this.#startPlaying(restart, edgeWallMs);
    this.#sendState();
    this.#pump();
  }

  #restartPosition(): number | null {
    return this.#timing.speed > 0 ? this.#start : this.#end;
  }

  #deliverSteps(): void {
    while (this.#stepsOwed > 0) {
      const next = this.#prefetcher.take();
      if (next === undefined) {
        if (this.#prefetcher.fetching) return;
        this.#stepsOwed = 0;
        break;
      }
      this.#stepsOwed -= 1;
      this.#cursor = next;
      this.#heldPositionMs = next.ts;
      this.#sink.event(next);
    }
    this.#sendState();
  }

  #goLive(historyAfter: Position | undefined): void {
    this.#halt('live');
    this.#start = null;
    this.#end = null;
    const tail = new LiveTail({
      channel: this.#channel, reader: this.#reader, bus: this.#bus,
      deliver: (events) => this.#deliverLive(events),
      onError: (error) => this.#fail(error),
      // Saying live before the position is read would let a write the client makes on seeing it count as history.
      onPositioned: () => {
        this.#sendState();
        this.#wakeForStateTick();
      },
    });
    this.#liveTail = tail;
    void tail.start(historyAfter);
  }

  #deliverLive(events: readonly StoredEvent[]): boolean {
    for (const event of events) {
      if (this.#sink.congested()) {
        this.#halt('stopped');
        this.#sink.slowConsumer();
        return false;
      }
      if (this.#cursor === undefined || compareReplayOrder(event, this.#cursor) > 0) this.#cursor = event;
      this.#sink.event(event);
    }
    return true;
  }

  /** Stops all delivery and enters a resting status. */
  #halt(status: 'stopped' | 'ended' | 'live'): void {
    if (this.#status === 'playing') this.#heldPositionMs = this.position();
    this.#stopLive();
    this.#unfollow();
    this.#cancelTask();
    this.#prefetcher.reset(undefined);
    this.#stepsOwed = 0;
    this.#stalledSinceWallMs = undefined;
    this.#status = status;
  }

  #stopLive(): void {
    this.#liveTail?.stop();
    this.#liveTail = undefined;
  }

  /** While the window can still receive events, hand newly committed ones to the prefetcher. */
  #followGrowth(): void {
    const canGrow = this.#end === null || this.#end > this.#clock.now();
    if (!canGrow) return this.#unfollow();
    this.#unfollowGrowth ??= this.#bus.subscribe(this.#channel, (events) => {
      for (const event of events) this.#prefetcher.offer(event);
      if (this.#status === 'playing' && this.#task !== undefined && this.#prefetcher.peek() !== undefined) this.#pump();
    });
  }

  #unfollow(): void {
    this.#unfollowGrowth?.();
    this.#unfollowGrowth = undefined;
  }

  /** A store read failed: tell the client and stop (play again to retry), keeping the playhead where it was. */
  #fail(error: unknown): void {
    this.#halt('stopped');
    this.#sink.error(error instanceof PlayheadError ? error : new PlayheadError('store_unavailable', `reading channel ${this.#channel} failed`, { cause: error }));
    this.#sendState();
  }

  /** Moves the whole schedule later by `delayMs` (the consumer made us wait). */
  #shiftSchedule(delayMs: number): void {
    this.#timing = { ...this.#timing, anchorWallMs: this.#timing.anchorWallMs + delayMs };
    this.#last = { positionMs: this.#last.positionMs, wallMs: this.#last.wallMs + delayMs };
  }

  /** Sends a state message if one is due, then sleeps until `untilMs` or the next one. */
  #idle(nowMs: number, untilMs: number): void {
    const stateDueMs = this.#lastStateWallMs + this.#config.stateIntervalMs;
    if (nowMs >= stateDueMs) this.#sendState();
    this.#wakeAt(Math.min(untilMs, this.#lastStateWallMs + this.#config.stateIntervalMs));
  }

  #wakeForStateTick(): void {
    this.#wakeAt(this.#clock.monotonic() + this.#config.stateIntervalMs, () => {
      if (this.#status !== 'live') return;
      this.#sendState();
      this.#wakeForStateTick();
    });
  }

  #wakeAt(wallMs: number, callback: () => void = () => this.#pump()): void {
    this.#cancelTask();
    this.#task = this.#wheel.schedule(wallMs, () => {
      this.#task = undefined;
      callback();
    });
  }

  #cancelTask(): void {
    this.#task?.cancel();
    this.#task = undefined;
  }

  #sendState(): void {
    this.#lastStateWallMs = this.#clock.monotonic();
    this.#sink.state(this.state());
  }

  #clamp(positionMs: number): number {
    return Math.min(this.#end ?? Number.POSITIVE_INFINITY, Math.max(this.#start ?? Number.NEGATIVE_INFINITY, positionMs));
  }
}
