/**
 * The replayed channel: events at exactly `rate` per second of event time
 * (10 ms apart at 100 ev/s) from a fixed epoch in the past, each with a
 * small sensor-like JSON body, appended straight to the store.
 */
import type { NewEvent } from '../../src/core/event.js';
import type { EventStore } from '../../src/store/event-store.js';

/** 2024-01-01T00:00:00Z: far enough in the past that a window never waits for new events. */
export const REPLAY_EPOCH_MS = Date.UTC(2024, 0, 1);
const APPEND_BATCH = 5_000;

export interface ReplayChannel {
  readonly channel: string;
  readonly startTs: number;
  /** Exclusive end of the window holding every event. */
  readonly endTs: number;
  readonly count: number;
}

/** The window of `seconds` of such events (what a bare peer plays without a store). */
export function replayWindow(seconds: number, rate: number, channel = 'bare'): ReplayChannel {
  return { channel, startTs: REPLAY_EPOCH_MS, endTs: REPLAY_EPOCH_MS + seconds * 1_000, count: seconds * rate };
}

export async function loadReplayChannel(store: EventStore, channel: string, seconds: number, rate: number): Promise<ReplayChannel> {
  const gapMs = 1_000 / rate;
  const count = seconds * rate;
  for (let first = 0; first < count; first += APPEND_BATCH) {
    const batch: NewEvent[] = [];
    for (let i = first; i < Math.min(count, first + APPEND_BATCH); i += 1) {
      const data = { i, sensor: `s-${String(i % 16).padStart(3, '0')}`, value: Math.round(Math.sin(i / 50) * 1000) / 10, unit: 'C' };
      batch.push({ ts: REPLAY_EPOCH_MS + Math.round(i * gapMs), id: null, data, dataJson: JSON.stringify(data) });
    }
    await store.append(channel, batch);
  }
  return replayWindow(seconds, rate, channel);
}
