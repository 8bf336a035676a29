/**
 * The DVR session of the selected channel, over the client library. A new
 * channel is cued: a session rests paused at the start of its range, so
 * every control (seek, speed, step) has a session to act on. Selecting a
 * window or fitting it into a duration starts a new session; everything
 * else is a control of the current one. Speed and loop follow the server's
 * state.
 *
 * Each session gets its own connection: the client library sends the first
 * `play` of a Playback created on an already-open connection without its
 * `sub` (Connection.add opens the handler before Playback has its id), and
 * the server refuses it. A Playback created before the socket opens is
 * unaffected, so a fresh connection per session avoids the bug.
 */
import type { Playback, PlayheadClient, PlayOptions, StateMessage, WireEvent } from '../../client/index.js';

/** A replay window [start, end), epoch ms. */
export interface PlayWindow {
  readonly start: number;
  readonly end: number;
}

export interface ChannelPlayerListeners {
  /** A new session begins: drop what was derived from the previous one. */
  restart(): void;
  /** The new session's connection and playback (a view can follow it on the same connection). */
  session(client: PlayheadClient, playback: Playback): void;
  event(event: WireEvent): void;
  state(state: StateMessage): void;
  error(message: string): void;
}

interface SessionOptions {
  readonly loop: boolean;
  readonly fit?: string;
  /** Rest paused at the window's start (a freshly selected channel). */
  readonly cue?: boolean;
}

/** A session being brought to rest, paused at `position` with pace `speed`, before it is shown. */
interface Cue {
  readonly position: number;
  readonly speed: number;
  commandsSent: boolean;
}

const SEEK_STEP = { back: '-10s', forward: '10s' } as const;
/** The slowest pace the protocol allows: a cue plays this slowly until its pause lands. */
const CUE_SPEED = 0.0001;

export class ChannelPlayer {
  readonly #openClient: () => PlayheadClient;
  readonly #listeners: ChannelPlayerListeners;
  #channel: string | undefined = undefined;
  #window: PlayWindow | undefined = undefined;
  /** Signed: negative plays backwards. */
  #speed = 1;
  /** The pace last picked from the menu (a fitted pace belongs to its window). */
  #chosenSpeed = 1;
  #loop = false;
  #client: PlayheadClient | undefined = undefined;
  #playback: Playback | undefined = undefined;
  #cue: Cue | undefined = undefined;

  constructor(openClient: () => PlayheadClient, listeners: ChannelPlayerListeners) {
    this.#openClient = openClient;
    this.#listeners = listeners;
  }

  get speed(): number {
    return this.#speed;
  }

  get loop(): boolean {
    return this.#loop;
  }

  /** Switches to a channel, cued at the start of `window`. */
  select(channel: string, window: PlayWindow): void {
    this.#channel = channel;
    this.#window = window;
    this.#loop = false;
    this.#speed = this.#chosenSpeed;
    this.#startSession({ loop: false, cue: true });
  }

  /** Plays a selected window, looping. */
  playWindow(window: PlayWindow): void {
    this.#window = window;
    this.#startSession({ loop: true });
  }

  /** Plays the current window so that it lasts `seconds` of wall time. */
  fit(seconds: number): void {
    if (!(seconds > 0)) throw new RangeError(`fit needs a number of seconds > 0, got ${seconds}`);
    this.#startSession({ loop: this.#loop, fit: `${seconds}s` });
  }

  togglePlay(): void {
    switch (this.#playback?.state?.status) {
      case 'playing':
      case 'live':
        return this.#playback?.pause();
      case 'paused':
      case 'ended':
        return this.#playback?.resume();
      case 'stopped':
        return this.#startSession({ loop: this.#loop });
      case undefined:
        // No state yet: the session is opening, or there is none.
        if (this.#playback === undefined) this.#startSession({ loop: this.#loop });
        return;
    }
  }

  seek(ts: number): void {
    this.#playback?.seek(ts);
  }

  seekBack(): void {
    this.#playback?.seekBy(SEEK_STEP.back);
  }

  seekForward(): void {
    this.#playback?.seekBy(SEEK_STEP.forward);
  }

  /** Delivers the next event in the play direction, pausing first if needed. */
  step(): void {
    const status = this.#playback?.state?.status;
    if (status === 'playing' || status === 'live') this.#playback?.pause();
    this.#playback?.step(1);
  }

  /** Sets the pace, keeping the direction. */
  setSpeed(magnitude: number): void {
    this.#chosenSpeed = magnitude;
    this.#changeSpeed(Math.sign(this.#speed) * magnitude);
  }

  /** Turns the play direction around, keeping the pace. */
  reverse(): void {
    this.#changeSpeed(-this.#speed);
  }

  toggleLoop(): void {
    this.#loop = !this.#loop;
    this.#playback?.loop(this.#loop);
  }

  live(): void {
    if (this.#playback === undefined) return;
    this.#cue = undefined;
    this.#playback.live();
  }

  stop(): void {
    this.#playback?.stop();
    this.#playback = undefined;
    this.#client?.close();
    this.#client = undefined;
  }

  #changeSpeed(speed: number): void {
    this.#speed = speed;
    this.#playback?.speed(speed);
  }

  #startSession(options: SessionOptions): void {
    const channel = this.#channel;
    const window = this.#window;
    if (channel === undefined || window === undefined) return;
    this.stop();
    this.#listeners.restart();
    const speed = options.cue === true ? CUE_SPEED : this.#speed;
    const play: PlayOptions = options.fit === undefined
      ? { start: window.start, end: window.end, speed, loop: options.loop }
      : { start: window.start, end: window.end, fit: options.fit, loop: options.loop };
    const client = this.#openClient();
    this.#client = client;
    const playback = client.channel(channel).play(play);
    this.#playback = playback;
    this.#cue = options.cue === true ? { position: window.start, speed: this.#speed, commandsSent: false } : undefined;
    playback.onEvent((event) => {
      if (this.#cue === undefined) this.#listeners.event(event);
    });
    playback.onState((state) => this.#receiveState(playback, state));
    playback.onError((error) => this.#listeners.error(`${error.code}: ${error.message}`));
    this.#listeners.session(client, playback);
  }

  #receiveState(playback: Playback, state: StateMessage): void {
    const cue = this.#cue;
    if (cue !== undefined) {
      if (!cue.commandsSent) {
        // The protocol has no "play paused": pause, go back to the start (the events delivered
        // meanwhile were dropped, the seek schedules them again) and set the pace. The server
        // applies them in order; the first state proves the socket is open to send them.
        cue.commandsSent = true;
        playback.pause();
        playback.seek(cue.position);
        playback.speed(cue.speed);
      }
      const atRest = state.status === 'paused' && state.position === cue.position && state.speed === cue.speed;
      const overtaken = state.status === 'ended' || state.status === 'stopped' || state.status === 'live';
      if (!atRest && !overtaken) return;
      this.#cue = undefined;
    }
    this.#speed = state.speed;
    this.#loop = state.loop;
    this.#listeners.state(state);
  }
}
