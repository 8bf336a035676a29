/** The live figure: one subscriber and one producer (live-client.ts, its own process) on a fresh channel of the bench's server. */
import type { LatencySummary } from '../support/stats.js';
import { ClientProcess } from './client-process.js';
import type { PlaybackServer } from './playback-server.js';
import { startLoadMonitor, type ProcessLoad } from './process-load.js';

export interface LiveClientSummary extends ProcessLoad {
  readonly posted: number;
  readonly accepted: number;
  readonly failed: number;
  /** Sends not made because `max-in-flight` POSTs were still unanswered. */
  readonly skipped: number;
  readonly received: number;
  readonly duplicates: number;
  readonly drained: boolean;
  readonly latency: LatencySummary | null;
  readonly ack: LatencySummary | null;
}

export interface LiveLatencyResult {
  readonly client: LiveClientSummary;
  readonly server: ProcessLoad;
}

export async function measureLiveLatency(server: PlaybackServer, channel: string, rate: number, seconds: number): Promise<LiveLatencyResult> {
  const client = new ClientProcess('live-client.ts', [
    '--ws-url', server.wsUrl(channel), '--post-url', server.eventsUrl(channel), '--rate', String(rate), '--seconds', String(seconds),
  ], 'live client');
  const load = startLoadMonitor();
  try {
    const summary = await client.result<LiveClientSummary>(seconds * 1_000 + 60_000);
    return { client: summary, server: load.stop() };
  } finally {
    await client.stop();
  }
}
