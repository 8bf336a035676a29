/**
 * The playback benchmark (DESIGN "Performance targets": replay timing error
 * for 1 session and for 1,000 concurrent sessions at 100 ev/s, live
 * ingest-to-delivery latency, and NATS JetStream's original-pace replay as
 * the peer). The server runs here; every client is its own process.
 * See bench/playback.md. Usage: tsx bench/playback.ts [--quick] [--sessions N] [--seconds S] [--skip-nats]
 */
import { execFileSync } from 'node:child_process';
import { round } from './support/stats.js';
import { measureBareWsReplay } from './playback-support/bare-ws-replay.js';
import { cleanupOnSignals, runCleanup } from './support/cleanup.js';

import { measureLiveLatency } from './playback-support/live-latency.js';
import { measureNatsReplay } from './playback-support/nats-replay.js';
import { parsePlaybackOptions } from './playback-support/playback-options.js';
import { TARGET_P99_MS, floorFigure, liveFigure, natsFigure, timingFigure, type PeerComparable } from './playback-support/playback-figures.js';
import { progress, reportFigure } from './playback-support/playback-report.js';
import { startPlaybackServer } from './playback-support/playback-server.js';
import { loadReplayChannel, replayWindow } from './playback-support/replay-fixture.js';
import { measureReplayTiming } from './playback-support/replay-timing.js';
import { measureTimerFloor } from './playback-support/timer-floor.js';

const SPEED = 1;
const FD_HEADROOM = 200;

function checkFileDescriptors(sessions: number, clients: number): void {
  let limit: number;
  try {
    limit = Number(execFileSync('sh', ['-c', 'ulimit -n'], { encoding: 'utf8' }).trim());
  } catch {
    return;
  }
  // The server holds one socket per session; each client process its share.
  const needed = sessions + FD_HEADROOM;
  if (Number.isFinite(limit) && limit < needed) {
    throw new RangeError(`ulimit -n is ${limit}, and ${sessions} sessions need about ${needed} descriptors in the server process: raise it (ulimit -n ${needed}) or pass fewer --sessions`);
  }
  progress(`ulimit -n ${Number.isFinite(limit) ? limit : 'unlimited'}: enough for ${sessions} sessions over ${clients} client process(es)`);
}

async function main(): Promise<void> {
  const options = parsePlaybackOptions(process.argv.slice(2));
  cleanupOnSignals();
  if (options.figures.includes('many')) checkFileDescriptors(options.sessions, options.clients);
  const server = await startPlaybackServer();
  progress(`server on 127.0.0.1:${server.port}, sqlite in ${server.tmpDir}`);
  let oursComparable: PeerComparable | undefined;
  let oursManyP99Ms: number | undefined;

  for (const figure of options.figures) {
    if (figure === 'single' || figure === 'many') {
      const single = figure === 'single';
      const seconds = single ? options.seconds : options.manySeconds;
      const sessions = single ? 1 : options.sessions;
      const channel = await loadReplayChannel(server.store, `bench-replay-${figure}`, seconds, options.rate);
      progress(`replay: ${sessions} session(s) x ${options.rate} ev/s for ${seconds} s (${channel.count} events each)${single ? ', a bare timer beside it' : ''}`);
      // The single session's control runs beside it, so both see the same machine (other processes, the VM).
      const floorRun = single ? measureTimerFloor(seconds, options.rate) : undefined;
      // Awaited below; this only keeps a failure from being unhandled while the replay runs.
      floorRun?.catch(() => undefined);
      const result = await measureReplayTiming({
        wsUrl: server.wsUrl(channel.channel), tmpDir: server.tmpDir, channel, sessions, clients: single ? 1 : options.clients, speed: SPEED, staggerMs: single ? 0 : options.staggerMs,
      }, figure);
      const floor = await floorRun;
      if (floor !== undefined) reportFigure('timer_floor', floorFigure(floor, seconds, options.rate));
      const { fields, comparable } = timingFigure(result, seconds, options.rate, single ? TARGET_P99_MS.single : TARGET_P99_MS.many, single ? floor : undefined);
      if (single) oursComparable = comparable;
      else oursManyP99Ms = comparable.least.p99;
      reportFigure('timing_error', single ? fields : { ...fields, stagger_ms: options.staggerMs });
    } else if (figure === 'many_bare') {
      const channel = replayWindow(options.manySeconds, options.rate);
      progress(`replay peer: a bare ws server, ${options.sessions} sessions x ${options.rate} ev/s for ${options.manySeconds} s`);
      const result = await measureBareWsReplay({
        channel, seconds: options.manySeconds, rate: options.rate, sessions: options.sessions, clients: options.clients,
        staggerMs: options.staggerMs, tmpDir: server.tmpDir,
      });
      const { fields, comparable } = timingFigure(result, options.manySeconds, options.rate, TARGET_P99_MS.many);
      reportFigure('timing_error', {
        peer: 'bare_ws', ...fields, stagger_ms: options.staggerMs,
        ours_p99_ms: oursManyP99Ms ?? null, ratio_p99: oursManyP99Ms === undefined || comparable.least.p99 === 0 ? null : round(oursManyP99Ms / comparable.least.p99, 3),
      });
    } else if (figure === 'live') {
      progress(`live: POST ${options.liveRate} ev/s for ${options.liveSeconds} s to a live subscriber`);
      const result = await measureLiveLatency(server, 'bench-live', options.liveRate, options.liveSeconds);
      reportFigure('live_latency', liveFigure(result, options.liveRate, options.liveSeconds));
    } else if (options.skipNats) {
      reportFigure('timing_error', { peer: 'nats_jetstream_original', skipped: true, reason: '--skip-nats' });
    } else {
      const result = await measureNatsReplay({ servers: options.natsUrl, seconds: options.seconds, rate: options.rate, tmpDir: server.tmpDir });
      reportFigure('timing_error', natsFigure(result, options.seconds, options.rate, oursComparable));
    }
  }
  await server.close();
}

main().then(runCleanup, async (error: unknown) => {
  progress(`failed: ${error instanceof Error ? error.stack ?? error.message : String(error)}`);
  await runCleanup();
  process.exitCode = 1;
});
