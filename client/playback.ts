/**
 * A playback subscription seen from the client: controls, events (callback
 * or `for await`), the latest state, and server errors as typed errors. It
 * survives reconnects: on each (re)connect it re-opens with the same
 * window, speed and loop, strictly after the last event it delivered.
 */
import type { PlayAction, WirePosition, WireTime, WireDuration } from '../src/protocol/client-actions.js';
import type { EventMessage, ServerMessage, StateMessage } from '../src/protocol/server-messages.js';
import type { WireEvent } from '../src/protocol/wire-event.js';
import { PlayheadClientError } from './client-error.js';
import type { Connection } from './connection.js';

/** The fields of a play message: the window, speed or fit, loop and pacing. */
export type PlayOptions = Omit<PlayAction, 'action' | 'sub' | 'channel' | 'after' | 'output'>;

type Listener<T> = (value: T) => void;

export class Playback implements AsyncIterable<WireEvent> {
  readonly channel: string;
  /** Resolves on the first state message; rejects if the server refuses the play. */
  readonly ready: Promise<void>;
  /** This playback's subscription id on the socket (what a view's `follow` names). */
  readonly sub: string;
  readonly #connection: Connection;
  readonly #options: PlayOptions;
  readonly #eventListeners = new Set<Listener<WireEvent>>();
  readonly #stateListeners = new Set<Listener<StateMessage>>();
  readonly #errorListeners = new Set<Listener<PlayheadClientError>>();
  #state: StateMessage | undefined = undefined;
  #last: WirePosition | undefined = undefined;
  #live: boolean;
  #settle: { resolve(): void; reject(error: PlayheadClientError): void } | undefined;

  constructor(connection: Connection, channel: string, options: PlayOptions | 'live') {
    this.#connection = connection;
    this.channel = channel;
    this.#options = options === 'live' ? {} : options;
    this.#live = options === 'live' || options.start === undefined;
    this.ready = new Promise((resolve, reject) => {
      this.#settle = { resolve, reject };
    });
    this.ready.catch(() => {});
    this.sub = connection.add({ open: () => this.#open(), receive: (message) => this.#receive(message) });
  }

  /** The latest state message, or undefined before the first. */
  get state(): StateMessage | undefined {
    return this.#state;
  }

  onEvent(listener: Listener<WireEvent>): () => void {
    this.#eventListeners.add(listener);
    return () => this.#eventListeners.delete(listener);
  }

  onState(listener: Listener<StateMessage>): () => void {
    this.#stateListeners.add(listener);
    return () => this.#stateListeners.delete(listener);
  }

  onError(listener: Listener<PlayheadClientError>): () => void {
    this.#errorListeners.add(listener);
    return () => this.#errorListeners.delete(listener);
  }

  pause(): void { this.#send({ action: 'pause' }); }
  resume(): void { this.#send({ action: 'resume' }); }
  seek(to: WireTime): void { this.#send({ action: 'seek', to }); }
  seekBy(by: WireDuration): void { this.#send({ action: 'seek', by }); }
  speed(speed: number): void { this.#send({ action: 'speed', speed }); }
  loop(loop?: boolean): void { this.#send(loop === undefined ? { action: 'loop' } : { action: 'loop', loop }); }
  step(count = 1): void { this.#send({ action: 'step', count }); }
  live(): void {
    this.#live = true;
    this.#send({ action: 'live' });
  }

  stop(): void {
    this.#send({ action: 'stop' });
    this.#connection.remove(this.sub);
  }

  /** Events from now on, until stop or the window ends (without loop). */
  async *[Symbol.asyncIterator](): AsyncIterator<WireEvent> {
    const queue: WireEvent[] = [];
    let wake: (() => void) | undefined;
    let finished = false;
    const offEvent = this.onEvent((event) => {
      queue.push(event);
      wake?.();
    });
    const offState = this.onState((state) => {
      finished = state.status === 'ended' || state.status === 'stopped';
      wake?.();
    });
    try {
      for (;;) {
        const next = queue.shift();
        if (next !== undefined) yield next;
        else if (finished) return;
        else await new Promise<void>((resolve) => (wake = resolve));
      }
    } finally {
      offEvent();
      offState();
    }
  }

  #open(): void {
    const after = this.#last;
    if (this.#live) return this.#connection.send({ action: 'live', sub: this.sub, channel: this.channel, ...(after === undefined ? {} : { after }) });
    const state = this.#state;
    const play: PlayAction = {
      action: 'play', sub: this.sub, channel: this.channel, ...this.#options,
      // Once playing, resume as it was: the server's speed (fit resolved), loop, and after the last event.
      ...(state === undefined ? {} : { speed: state.speed, loop: state.loop, fit: undefined }),
      ...(after === undefined ? {} : { after }),
    };
    this.#connection.send(play);
    if (state?.status === 'paused') this.#connection.send({ action: 'pause', sub: this.sub });
  }

  #send(message: Record<string, unknown> & { action: string }): void {
    this.#connection.send({ ...message, sub: this.sub } as never);
  }

  #receive(message: ServerMessage): void {
    switch (message.type) {
      case 'event': return this.#event(message);
      case 'state':
        this.#state = message;
        if (message.status === 'live') this.#live = true;
        else if (message.status === 'playing' || message.status === 'paused') this.#live = false;
        this.#settle?.resolve();
        this.#settle = undefined;
        for (const listener of this.#stateListeners) listener(message);
        return;
      case 'error': {
        const error = new PlayheadClientError(message.code, message.message);
        this.#settle?.reject(error);
        this.#settle = undefined;
        for (const listener of this.#errorListeners) listener(error);
        return;
      }
    }
  }

  #event(message: EventMessage): void {
    const { type: _type, sub: _sub, ...event } = message;
    this.#last = { ts: event.ts, seq: event.seq };
    for (const listener of this.#eventListeners) listener(event);
  }
}
