/** Runs the concurrent-replay figure against the bare `ws` peer (bare-ws-server.ts) instead of Playhead, with the peer's own load. */
import { ClientProcess } from './client-process.js';
import type { ProcessLoad } from './process-load.js';
import type { ReplayChannel } from './replay-fixture.js';
import { measureReplayTiming, type ReplayTimingResult } from './replay-timing.js';

export interface BareReplayPlan {
  readonly channel: ReplayChannel;
  readonly seconds: number;
  readonly rate: number;
  readonly sessions: number;
  readonly clients: number;
  readonly staggerMs: number;
  readonly tmpDir: string;
}

export async function measureBareWsReplay(plan: BareReplayPlan): Promise<ReplayTimingResult> {
  const server = new ClientProcess('bare-ws-server.ts', ['--seconds', String(plan.seconds), '--rate', String(plan.rate)], 'bare ws server');
  try {
    const { port } = await server.nextLine<{ port: number }>(30_000);
    const result = await measureReplayTiming({
      wsUrl: `ws://127.0.0.1:${port}/`, tmpDir: plan.tmpDir, channel: plan.channel,
      sessions: plan.sessions, clients: plan.clients, speed: 1, staggerMs: plan.staggerMs,
    }, 'bare');
    // Its load line comes once every session has ended, which the clients saw before they answered.
    const load = await server.nextLine<ProcessLoad>(10_000);
    return { ...result, server: load };
  } finally {
    await server.stop();
  }
}
