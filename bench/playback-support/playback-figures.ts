/**
 * Turns measured results into the JSON fields of each figure (see
 * bench/playback.md for what each field means). Ratios are ours / the
 * peer's, so below 1 means Playhead is closer to the schedule.
 */
import { round } from '../support/stats.js';
import { EARLY_THRESHOLD_MS, summarizeErrors, type ErrorSummary } from './error-summary.js';
import type { LiveLatencyResult } from './live-latency.js';
import type { NatsReplayResult } from './nats-replay.js';
import type { PlaybackFigure } from './playback-report.js';
import type { ReplayTimingResult } from './replay-timing.js';
import type { TimerFloor } from './timer-floor.js';
import { driftMsPerEvent } from './timing-errors.js';

/** DESIGN "Performance targets". */
export const TARGET_P99_MS = { single: 2, many: 10 } as const;

/** Our single-session errors under the anchors the peer can be measured with. */
export interface PeerComparable {
  readonly first: ErrorSummary;
  readonly least: ErrorSummary;
}

export interface TimingFigure {
  readonly fields: PlaybackFigure;
  readonly comparable: PeerComparable;
}

export function timingFigure(result: ReplayTimingResult, seconds: number, rate: number, targetP99Ms: number, floor?: TimerFloor): TimingFigure {
  const least = summarizeErrors(result.samples.least);
  const sent = summarizeErrors(result.samples.sent);
  const state = summarizeErrors(result.samples.state);
  const first = summarizeErrors(result.samples.first);
  const sum = (pick: (client: ReplayTimingResult['clients'][number]) => number): number => result.clients.reduce((n, client) => n + pick(client), 0);
  const sessions = sum((client) => client.sessions);
  const received = sum((client) => client.received);
  const expected = sum((client) => client.expected);
  const dropped = expected - received;
  return {
    comparable: { first, least },
    fields: {
      sessions, seconds, rate_per_s: rate, client_processes: result.clients.length,
      anchor: 'least_delay',
      p50_ms: least.p50, p99_ms: least.p99, max_ms: least.max,
      early: sent.early, early_basis: 'play_sent', early_threshold_ms: EARLY_THRESHOLD_MS,
      received, expected, dropped,
      extra: sum((client) => client.extra), out_of_order: sum((client) => client.outOfOrder),
      sessions_ended: sum((client) => client.ended), no_state: sum((client) => client.noState),
      server_errors: sum((client) => client.errors), first_error: result.clients.find((client) => client.firstError !== null)?.firstError ?? null,
      upper_p50_ms: sent.p50, upper_p99_ms: sent.p99, upper_max_ms: sent.max,
      state_p50_ms: state.p50, state_p99_ms: state.p99, state_max_ms: state.max,
      first_anchor_p99_ms: first.p99,
      drift_ms_per_event: sessions === 1 ? round(driftMsPerEvent(result.samples.least), 5) : null,
      floor_p99_ms: floor?.p99 ?? null, floor_max_ms: floor?.max ?? null, ratio_floor_p99: floor === undefined || floor.p99 === 0 ? null : round(least.p99 / floor.p99, 3),
      target_p99_ms: targetP99Ms,
      target_met: least.p99 <= targetP99Ms && sent.early === 0 && dropped === 0,
      server_cpu_pct: result.server.cpuPct, server_loop_delay_p99_ms: result.server.loopDelayP99Ms, server_loop_delay_max_ms: result.server.loopDelayMaxMs,
      client_cpu_pct: Math.max(...result.clients.map((client) => client.cpuPct)),
      client_loop_delay_p99_ms: Math.max(...result.clients.map((client) => client.loopDelayP99Ms)),
      client_loop_delay_max_ms: Math.max(...result.clients.map((client) => client.loopDelayMaxMs)),
      connect_ms: result.connectMs,
    },
  };
}

export function floorFigure(floor: TimerFloor, seconds: number, rate: number): PlaybackFigure {
  return {
    peer: 'bare_timer_rearm', seconds, rate_per_s: rate, p50_ms: floor.p50, p99_ms: floor.p99, max_ms: floor.max, early: 0, count: floor.count,
    cpu_pct: floor.cpuPct, loop_delay_p99_ms: floor.loopDelayP99Ms, loop_delay_max_ms: floor.loopDelayMaxMs,
  };
}

export function liveFigure(result: LiveLatencyResult, rate: number, seconds: number): PlaybackFigure {
  const { client, server } = result;
  return {
    rate_per_s: rate, seconds,
    p50_ms: client.latency?.p50 ?? null, p99_ms: client.latency?.p99 ?? null, max_ms: client.latency?.max ?? null,
    received: client.received, expected: client.accepted, dropped: client.accepted - client.received,
    duplicates: client.duplicates, posted: client.posted, skipped: client.skipped, failed: client.failed,
    ack_p50_ms: client.ack?.p50 ?? null, ack_p99_ms: client.ack?.p99 ?? null, ack_max_ms: client.ack?.max ?? null,
    server_cpu_pct: server.cpuPct, server_loop_delay_p99_ms: server.loopDelayP99Ms,
    client_cpu_pct: client.cpuPct, client_loop_delay_p99_ms: client.loopDelayP99Ms,
  };
}

export function natsFigure(result: NatsReplayResult, seconds: number, rate: number, ours: PeerComparable | undefined): PlaybackFigure {
  const peer = 'nats_jetstream_original';
  if (result.skipped) return { peer, skipped: true, reason: result.reason };
  const first = summarizeErrors(result.first);
  const least = summarizeErrors(result.least);
  const byData = summarizeErrors(result.data);
  const ratio = (mine: number | undefined, theirs: number): number | null => (mine === undefined || theirs === 0 ? null : round(mine / theirs, 4));
  return {
    peer, sessions: 1, seconds, rate_per_s: rate,
    anchor: 'first_receive',
    p50_ms: first.p50, p99_ms: first.p99, max_ms: first.max, min_ms: first.min, early: first.early,
    received: result.client.received, expected: result.client.expected, dropped: result.client.expected - result.client.received,
    abs_p50_ms: first.absP50, abs_p99_ms: first.absP99, abs_max_ms: first.absMax,
    least_p99_ms: least.p99, least_max_ms: least.max, data_ts_p99_ms: byData.p99,
    drift_ms_per_event: round(driftMsPerEvent(result.first), 5),
    stored_span_ms: round(result.client.storedSpanMs), receive_span_ms: round(result.client.receiveSpanMs),
    publish_late_p99_ms: result.publishLateP99Ms,
    ours_abs_p50_ms: ours?.first.absP50 ?? null, ours_abs_p99_ms: ours?.first.absP99 ?? null, ours_abs_max_ms: ours?.first.absMax ?? null,
    ratio_p50: ratio(ours?.first.absP50, first.absP50), ratio_p99: ratio(ours?.first.absP99, first.absP99), ratio_max: ratio(ours?.first.absMax, first.absMax),
    ours_least_p99_ms: ours?.least.p99 ?? null, ratio_least_p99: ratio(ours?.least.p99, least.p99),
    client_cpu_pct: result.client.cpuPct,
  };
}
