/**
 * The video demo: a generated `video.sessions` channel (seeded, so every
 * `playhead serve --demo` loads the same events, idempotently by id) and the
 * rebuffering timeline over it, with its aggregate by country.
 */
import type { Ingestor } from '../ingest/ingestor.js';
import { loadRecords, type LoadSummary } from '../ingest/record-loader.js';
import { REBUFFERING_QUERY, videoSessionEvents, type VideoSessionEvent, type VideoSessionOptions } from './video-sessions.js';

export const VIDEO_DEMO_CHANNEL = 'video.sessions';
export const VIDEO_DEMO_SESSIONS: VideoSessionOptions = Object.freeze({ sessions: 200, eventsPerSession: 60, seed: 2026, startTs: Date.UTC(2026, 0, 1, 20) });

/** Created by `serve --demo` unless they exist (ServerOptions.timelines). */
export const VIDEO_DEMO_TIMELINES = [
  { name: 'player-state', channel: VIDEO_DEMO_CHANNEL, key: 'data.session', query: 'latest_event_to_state(playerStateChange)' },
  { name: 'rebuffering', channel: VIDEO_DEMO_CHANNEL, key: 'data.session', query: `${REBUFFERING_QUERY} | aggregate(group_by(country), count, sum, avg, max)` },
  { name: 'buffering-now', channel: VIDEO_DEMO_CHANNEL, key: 'data.session', query: 'latest_event_to_state(playerStateChange) == "buffer" | aggregate(group_by(device), count, sum)' },
] as const;

export async function loadVideoDemo(ingestor: Ingestor): Promise<LoadSummary & { readonly channel: string }> {
  const events = videoSessionEvents(VIDEO_DEMO_SESSIONS);
  const summary = await loadRecords(ingestor, VIDEO_DEMO_CHANNEL, events, {
    toEvent: (record) => {
      const { ts, id, data } = record as VideoSessionEvent;
      return { time: ts, id, data };
    },
  });
  return { channel: VIDEO_DEMO_CHANNEL, ...summary };
}
