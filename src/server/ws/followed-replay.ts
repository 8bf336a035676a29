/**
 * Ties a view stream to a playback session on the same connection: the
 * replay's events and playhead drive a ReplayView, whose base and deltas go
 * out on the view's sub. A jump of the playhead (a play, seek, step or live
 * command, a loop, reverse play) sends a fresh base at the new position.
 */
import type { PlaybackCommand } from '../../playback/playback-command.js';
import type { ObservedSink } from '../../playback/observed-sink.js';
import type { PlaybackSession, PlaybackState } from '../../playback/playback-session.js';
import type { ReplayView } from '../../views/replay-view.js';
import type { ViewStream } from './view-stream.js';

/** Commands after which the events up to the playhead are not the ones the view has seen. */
const JUMPS: ReadonlySet<PlaybackCommand['kind']> = new Set(['play', 'seek', 'seekBy', 'step', 'live']);

export interface FollowedReplayOptions {
  readonly view: ReplayView;
  readonly session: PlaybackSession;
  readonly output: ObservedSink;
  readonly stream: ViewStream;
  readonly logError: (error: unknown) => void;
}

export class FollowedReplay {
  readonly session: PlaybackSession;
  readonly #view: ReplayView;
  readonly #stream: ViewStream;
  readonly #logError: (error: unknown) => void;

  constructor(options: FollowedReplayOptions) {
    this.session = options.session;
    this.#view = options.view;
    this.#stream = options.stream;
    this.#logError = options.logError;
    const stopObserving = options.output.observe({
      event: (event) => this.#send(this.#view.event(event)),
      state: (state) => this.#onState(state),
    });
    this.#stream.attach(stopObserving);
    this.#rebuild(this.session.state().positionMs);
  }

  commanded(command: PlaybackCommand): void {
    if (JUMPS.has(command.kind)) this.#rebuild(this.session.state().positionMs);
  }

  #onState(state: PlaybackState): void {
    // Behind the rows means the playhead went back (a loop, or reverse play): rebuild there.
    if (state.positionMs < this.#view.appliedMs) return this.#rebuild(state.positionMs);
    this.#send(this.#view.advanceTo(state.positionMs));
  }

  #rebuild(atMs: number): void {
    this.#view.rebuild(atMs).then(
      (base) => base !== undefined && this.#stream.base(base.asOf, base.rows, base.atMs),
      (error: unknown) => this.#logError(error),
    );
  }

  #send(delta: ReturnType<ReplayView['event']>): void {
    if (delta !== undefined) this.#stream.delta(delta);
  }
}
