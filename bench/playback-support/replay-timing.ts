/**
 * The replay timing figure: K client processes share N sessions of the
 * same window, connect, and start together on "go"; this process's load
 * (the server's, when it runs here) is watched meanwhile. Samples come back
 * as files, merged here.
 */
import { join } from 'node:path';
import { ClientProcess } from './client-process.js';
import { startLoadMonitor, type ProcessLoad } from './process-load.js';
import type { ReplayChannel } from './replay-fixture.js';
import { readSamples } from './sample-file.js';
import { ANCHOR_KINDS, type AnchorKind } from './timing-errors.js';

export interface ReplayTimingPlan {
  /** The per-channel WebSocket endpoint to play `channel` from. */
  readonly wsUrl: string;
  /** Folder for the clients' sample files. */
  readonly tmpDir: string;
  readonly channel: ReplayChannel;
  readonly sessions: number;
  readonly clients: number;
  readonly speed: number;
  /** Spread the sessions' play messages evenly over this long, ms (0: all at once). */
  readonly staggerMs: number;
}

/** What each client prints when done (replay-client.ts). */
export interface ReplayClientSummary extends ProcessLoad {
  readonly sessions: number;
  readonly received: number;
  readonly expected: number;
  readonly extra: number;
  readonly outOfOrder: number;
  readonly ended: number;
  readonly noState: number;
  readonly errors: number;
  readonly firstError: string | null;
  readonly timedOut: boolean;
}

export interface ReplayTimingResult {
  readonly clients: readonly ReplayClientSummary[];
  readonly server: ProcessLoad;
  readonly samples: Readonly<Record<AnchorKind, Float64Array>>;
  readonly connectMs: number;
}

interface Ready {
  readonly connected: number;
  readonly connectMs: number;
}

/** How long after the window's wall length a client waits for the rest before it counts what is missing as dropped. */
const GRACE_MS = 30_000;

export async function measureReplayTiming(plan: ReplayTimingPlan, tag: string): Promise<ReplayTimingResult> {
  const { channel, sessions, clients } = plan;
  const durationMs = (channel.endTs - channel.startTs) / Math.abs(plan.speed);
  const processes = Array.from({ length: clients }, (_, index) => {
    const share = Math.floor(sessions / clients) + (index < sessions % clients ? 1 : 0);
    const out = join(plan.tmpDir, `${tag}-${index}`);
    const args = [
      '--url', plan.wsUrl, '--sessions', String(share),
      '--start', String(channel.startTs), '--end', String(channel.endTs), '--speed', String(plan.speed),
      '--expected', String(channel.count), '--out', out, '--grace-ms', String(GRACE_MS), '--stagger-ms', String(plan.staggerMs),
    ];
    return { out, process: new ClientProcess('replay-client.ts', args, `replay client ${index + 1}/${clients}`) };
  });
  try {
    const ready = await Promise.all(processes.map(({ process }) => process.nextLine<Ready>(90_000)));
    const load = startLoadMonitor();
    for (const { process } of processes) process.go();
    const summaries = await Promise.all(processes.map(({ process }) => process.result<ReplayClientSummary>(plan.staggerMs + durationMs + GRACE_MS + 60_000)));
    const serverLoad = load.stop();
    const merge = (kind: AnchorKind): Float64Array => {
      const parts = processes.map(({ out }) => readSamples(`${out}-${kind}.f64`));
      const merged = new Float64Array(parts.reduce((n, part) => n + part.length, 0));
      let offset = 0;
      for (const part of parts) {
        merged.set(part, offset);
        offset += part.length;
      }
      return merged;
    };
    return {
      clients: summaries,
      server: serverLoad,
      samples: Object.fromEntries(ANCHOR_KINDS.map((kind) => [kind, merge(kind)])) as Record<AnchorKind, Float64Array>,
      connectMs: Math.max(...ready.map((answer) => answer.connectMs)),
    };
  } finally {
    await Promise.all(processes.map(({ process }) => process.stop()));
  }
}
