/**
 * The control figure: how closely a bare re-arming timer in a process of its
 * own keeps a 100 ev/s schedule on this machine (timer-floor-client.ts), run
 * beside the single-session replay so both see the same interference.
 */
import type { LatencySummary } from '../support/stats.js';
import { ClientProcess } from './client-process.js';
import type { ProcessLoad } from './process-load.js';

export interface TimerFloor extends LatencySummary, ProcessLoad {
  readonly count: number;
}

export async function measureTimerFloor(seconds: number, rate: number): Promise<TimerFloor> {
  const client = new ClientProcess('timer-floor-client.ts', ['--seconds', String(seconds), '--rate', String(rate)], 'timer floor');
  try {
    return await client.result<TimerFloor>(seconds * 1_000 + 30_000);
  } finally {
    await client.stop();
  }
}
