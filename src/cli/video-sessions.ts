/**
 * A seeded generator of realistic video-player sessions (the demo's
 * `video.sessions` channel and bench/timelines.ts): each session starts with
 * startup buffering, then plays, rebuffers, seeks and pauses with
 * state-dependent dwell times, and ends. Events come round by round (event i
 * of every session, then event i+1), so each session is in time order while
 * sessions interleave as live traffic does. Same seed, same events.
 */

import { seededRandom } from '../core/seeded-random.js';

export const VIDEO_PLAYER_STATES = ['buffer', 'play', 'seek', 'pause', 'ended'] as const;
export type VideoPlayerState = (typeof VIDEO_PLAYER_STATES)[number];

export interface VideoSessionOptions {
  readonly sessions: number;
  /** Events of each session, the last one `ended`. */
  readonly eventsPerSession: number;
  readonly seed: number;
  /** First session's start, epoch ms. */
  readonly startTs: number;
  /** Sessions start uniformly over this span, ms. @default 1 h */
  readonly startSpreadMs?: number;
}

export interface VideoSessionEvent {
  readonly ts: number;
  /** Stable across runs: makes loading idempotent. */
  readonly id: string;
  readonly data: {
    readonly session: string;
    readonly playerStateChange: VideoPlayerState;
    readonly country: string;
    readonly device: string;
    /** Kbit/s of the rendition playing; on play events only. */
    readonly bitrate?: number;
  };
}

const COUNTRIES = ['us', 'in', 'br', 'de', 'fr', 'jp', 'gb', 'ng'] as const;
const DEVICES = ['web', 'android', 'ios', 'tv'] as const;
const BITRATES_KBPS = [400, 800, 1_600, 3_200, 6_000] as const;
const DEFAULT_START_SPREAD_MS = 3_600_000;

/** Next state after each state: [state, weight] pairs. */
const TRANSITIONS: Readonly<Record<Exclude<VideoPlayerState, 'ended'>, readonly (readonly [VideoPlayerState, number])[]>> = {
  buffer: [['play', 0.85], ['seek', 0.1], ['buffer', 0.05]],
  play: [['play', 0.55], ['buffer', 0.2], ['seek', 0.12], ['pause', 0.13]],
  seek: [['buffer', 0.6], ['play', 0.4]],
  pause: [['play', 0.75], ['seek', 0.25]],
};

/** Dwell time in each state before the next event: [min, max] ms. */
const DWELL_MS: Readonly<Record<VideoPlayerState, readonly [number, number]>> = {
  buffer: [200, 8_000],
  play: [2_000, 30_000],
  seek: [100, 1_500],
  pause: [1_000, 60_000],
  ended: [0, 0],
};

function pick<T>(random: () => number, choices: readonly (readonly [T, number])[]): T {
  let draw = random();
  for (const [choice, weight] of choices) {
    draw -= weight;
    if (draw < 0) return choice;
  }
  return (choices[choices.length - 1] as readonly [T, number])[0];
}

export function* videoSessionEvents(options: VideoSessionOptions): Generator<VideoSessionEvent> {
  const { sessions, eventsPerSession, seed, startTs } = options;
  if (!Number.isSafeInteger(sessions) || sessions < 1) throw new RangeError(`sessions must be an integer >= 1, got ${sessions}`);
  if (!Number.isSafeInteger(eventsPerSession) || eventsPerSession < 2) throw new RangeError(`eventsPerSession must be an integer >= 2, got ${eventsPerSession}`);
  const random = seededRandom(seed);
  const spread = options.startSpreadMs ?? DEFAULT_START_SPREAD_MS;
  const ts = new Float64Array(sessions);
  const states: VideoPlayerState[] = new Array<VideoPlayerState>(sessions).fill('buffer');
  const countries: string[] = [];
  const devices: string[] = [];
  for (let s = 0; s < sessions; s += 1) {
    ts[s] = startTs + Math.floor(random() * spread);
    countries.push(COUNTRIES[Math.floor(random() * COUNTRIES.length)] as string);
    devices.push(DEVICES[Math.floor(random() * DEVICES.length)] as string);
  }
  for (let round = 0; round < eventsPerSession; round += 1) {
    for (let s = 0; s < sessions; s += 1) {
      const previous = states[s] as VideoPlayerState;
      // Startup buffering first; the last event ends the session.
      const state: VideoPlayerState = round === 0 ? 'buffer' : round === eventsPerSession - 1 ? 'ended' : pick(random, TRANSITIONS[previous as Exclude<VideoPlayerState, 'ended'>]);
      if (round > 0) {
        const [min, max] = DWELL_MS[previous];
        ts[s] = (ts[s] as number) + min + Math.floor(random() * (max - min));
      }
      states[s] = state;
      const session = `s${s}`;
      const base = { session, playerStateChange: state, country: countries[s] as string, device: devices[s] as string };
      const data = state === 'play' ? { ...base, bitrate: BITRATES_KBPS[Math.floor(random() * BITRATES_KBPS.length)] as number } : base;
      yield { ts: ts[s] as number, id: `${session}:${round}`, data };
    }
  }
}

/** The demo's rebuffering query: buffering after playback started, not caused by a seek in the last 5 s. */
export const REBUFFERING_QUERY = 'duration_where(has_existed(playerStateChange == "play") && !has_existed_within(playerStateChange == "seek", 5) && latest_event_to_state(playerStateChange) == "buffer")';
