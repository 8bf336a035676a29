/**
 * Ties a reader that follows a replay (a view, a timeline) to a playback
 * session on the same connection: the replay's events and playhead drive
 * it, and a jump of the playhead (a play, seek, step or live command, a loop
 * back, reverse play) rebuilds it at the new position.
 */
import type { Clock, TimerHandle } from '../../core/clock.js';
import type { StoredEvent } from '../../core/event.js';
import type { PlaybackCommand } from '../../playback/playback-command.js';
import type { ObservedSink } from '../../playback/observed-sink.js';
import type { PlaybackSession, PlaybackState } from '../../playback/playback-session.js';

/** What follows a replay: rebuilt at a playhead, then fed its events and its clock. */
export interface ReplayFollower {
  /** Where the follower's state is, in event time. */
  readonly appliedMs: number;
  /** Rebuilds at `atMs` and sends the subscriber its fresh start (a base, a value). */
  rebuild(atMs: number): Promise<void>;
  event(event: StoredEvent): void;
  advanceTo(positionMs: number): void;
  /** Event time of its next change that no event marks (a timeline's window end), so it is sent when the replay reaches it. */
  nextDueMs?(): number | undefined;
  close(): void;
}

/** Commands after which the events up to the playhead are not the ones the follower has seen. */
const JUMPS: ReadonlySet<PlaybackCommand['kind']> = new Set(['play', 'seek', 'seekBy', 'step', 'live']);

export interface FollowedReplayOptions {
  readonly follower: ReplayFollower;
  readonly session: PlaybackSession;
  readonly output: ObservedSink;
  readonly clock: Clock;
  readonly logError: (error: unknown) => void;
}

export class FollowedReplay {
  readonly session: PlaybackSession;
  readonly #follower: ReplayFollower;
  readonly #clock: Clock;
  readonly #logError: (error: unknown) => void;
  readonly #stopObserving: () => void;
  #dueTimer: TimerHandle | undefined = undefined;

  constructor(options: FollowedReplayOptions) {
    this.session = options.session;
    this.#follower = options.follower;
    this.#clock = options.clock;
    this.#logError = options.logError;
    this.#stopObserving = options.output.observe({
      event: (event) => {
        this.#follower.event(event);
        this.#armDue();
      },
      state: (state) => this.#onState(state),
    });
    this.#rebuild(this.session.state().positionMs);
  }

  commanded(command: PlaybackCommand): void {
    if (JUMPS.has(command.kind)) this.#rebuild(this.session.state().positionMs);
  }

  close(): void {
    this.#dueTimer?.cancel();
    this.#stopObserving();
    this.#follower.close();
  }

  #onState(state: PlaybackState): void {
    // Behind the follower means the playhead went back (a loop, or reverse play): rebuild there.
    if (state.positionMs < this.#follower.appliedMs) return this.#rebuild(state.positionMs);
    this.#follower.advanceTo(state.positionMs);
    this.#armDue();
  }

  #rebuild(atMs: number): void {
    this.#follower.rebuild(atMs).then(() => this.#armDue(), (error: unknown) => this.#logError(error));
  }

  /** Wakes when the playing replay reaches the follower's next due change, never before (the session's own rule). */
  #armDue(): void {
    this.#dueTimer?.cancel();
    this.#dueTimer = undefined;
    const dueMs = this.#follower.nextDueMs?.();
    const { status, speed } = this.session.state();
    if (dueMs === undefined || status !== 'playing' || speed <= 0) return;
    const waitMs = Math.max(0, (dueMs - this.session.position()) / speed);
    this.#dueTimer = this.#clock.setTimer(waitMs, () => {
      const positionMs = this.session.position();
      if (positionMs >= dueMs) this.#follower.advanceTo(positionMs);
      this.#armDue();
    });
  }
}
