/**
 * A playback session on a virtual clock over a real in-memory SQLite store,
 * with a sink that records what was delivered and when.
 */
import type { TestContext } from 'node:test';
import type { PlayheadError } from '../../src/core/errors.js';
import { normalizeEvent, type StoredEvent } from '../../src/core/event.js';
import { VirtualClock } from '../../src/core/virtual-clock.js';
import { InProcessBus } from '../../src/live/in-process/in-process-bus.js';
import { resolveCommand } from '../../src/playback/playback-command.js';
import { PlaybackSession, type PlaybackConfig, type PlaybackSink, type PlaybackState } from '../../src/playback/playback-session.js';
import { TimerWheel } from '../../src/playback/timer-wheel.js';
import { parseClientMessage } from '../../src/protocol/client-actions.js';
import type { EventStore } from '../../src/store/event-store.js';
import { openStore } from '../../src/store/open-store.js';

export const T0 = Date.UTC(2016, 0, 15, 14, 32, 24);
/** The virtual wall clock starts a day after T0, so history is in the past. */
export const NOW = T0 + 86_400_000;

export interface Delivery {
  readonly wallMs: number;
  readonly ts: number;
  readonly seq: number;
  readonly data: unknown;
}

export class RecordingSink implements PlaybackSink {
  readonly deliveries: Delivery[] = [];
  readonly states: (PlaybackState & { wallMs: number })[] = [];
  readonly errors: PlayheadError[] = [];
  isCongested = false;
  slow = false;
  readonly #clock: VirtualClock;

  constructor(clock: VirtualClock) {
    this.#clock = clock;
  }

  event(event: StoredEvent): void {
    this.deliveries.push({ wallMs: this.#clock.monotonic(), ts: event.ts, seq: event.seq, data: event.data });
  }

  state(state: PlaybackState): void {
    this.states.push({ ...state, wallMs: this.#clock.monotonic() });
  }

  error(error: PlayheadError): void {
    this.errors.push(error);
  }

  congested(): boolean {
    return this.isCongested;
  }

  slowConsumer(): void {
    this.slow = true;
  }

  lastState(): PlaybackState & { wallMs: number } {
    const state = this.states.at(-1);
    if (state === undefined) throw new Error('no state message yet');
    return state;
  }
}

export interface Harness {
  readonly clock: VirtualClock;
  readonly store: EventStore;
  readonly bus: InProcessBus;
  readonly sink: RecordingSink;
  readonly session: PlaybackSession;
  /** Sends a wire message, as a client would. */
  send(message: Record<string, unknown>): void;
  /** Appends events (offsets from T0 in ms) and publishes them, as ingest does. */
  append(offsetsMs: readonly number[], channel?: string): Promise<void>;
  /** Moves virtual time forward, stopping at every timer and every `stepMs` to let store reads complete, as an event loop would. */
  run(ms: number, stepMs?: number): Promise<void>;
}

export async function settle(): Promise<void> {
  for (let round = 0; round < 5; round += 1) await new Promise((resolve) => setImmediate(resolve));
}

export async function createHarness(t: TestContext, offsetsMs: readonly number[], config: Partial<PlaybackConfig> = {}): Promise<Harness> {
  const clock = new VirtualClock(NOW);
  const store = await openStore('sqlite::memory:');
  const bus = new InProcessBus();
  const wheel = new TimerWheel(clock);
  const sink = new RecordingSink(clock);
  const session = new PlaybackSession({ channel: 'c', reader: store, bus, clock, wheel, sink, config: { pageSize: 8, ...config } });
  t.after(async () => {
    session.close();
    wheel.close();
    await store.close();
  });
  let counter = 0;
  const append = async (offsets: readonly number[], channel = 'c') => {
    const events = offsets.map((offset) => normalizeEvent({ time: T0 + offset, data: counter++ }, { now: clock.now(), maxEventBytes: 1 << 20 }));
    const result = await store.append(channel, events);
    bus.publish(channel, result.stored);
  };
  await append(offsetsMs);
  const send = (message: Record<string, unknown>) => {
    const parsed = parseClientMessage(message);
    if (!parsed.ok) throw new Error(`${parsed.code}: ${parsed.message}`);
    if (parsed.message.action === 'view') throw new Error('views are not playback');
    if (parsed.message.action === 'scene' || parsed.message.action === 'transform') throw new Error('scenes are not playback');
    if (parsed.message.action === 'timeline') throw new Error('timelines are not playback');
    if (parsed.message.action === 'feed') throw new Error('feeds are not playback');
    session.handle(resolveCommand(parsed.message, clock.now()));
  };
  const run = async (ms: number, stepMs = 1) => {
    await settle();
    const endMs = clock.monotonic() + ms;
    while (clock.monotonic() < endMs) {
      const stepEndMs = Math.min(endMs, clock.monotonic() + stepMs, clock.nextTimerMs ?? Number.POSITIVE_INFINITY);
      clock.advance(Math.max(0, stepEndMs - clock.monotonic()));
      await settle();
    }
  };
  return { clock, store, bus, sink, session, send, append, run };
}
