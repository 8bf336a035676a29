/**
 * How busy this process was over a stretch: CPU time as a share of one
 * core, and event-loop delay (how late a ready callback ran), the evidence
 * for "was this side CPU-bound?" when a timing figure misses.
 */
import { monitorEventLoopDelay } from 'node:perf_hooks';

export interface ProcessLoad {
  /** CPU time (user + system) / wall time, in % of one core. */
  readonly cpuPct: number;
  readonly loopDelayP99Ms: number;
  readonly loopDelayMaxMs: number;
}

export interface LoadMonitor {
  stop(): ProcessLoad;
}

const NS_PER_MS = 1e6;
const US_PER_MS = 1e3;

export function startLoadMonitor(): LoadMonitor {
  const histogram = monitorEventLoopDelay({ resolution: 1 });
  histogram.enable();
  const cpuStart = process.cpuUsage();
  const wallStartMs = performance.now();
  return {
    stop(): ProcessLoad {
      histogram.disable();
      const cpu = process.cpuUsage(cpuStart);
      const wallMs = Math.max(1, performance.now() - wallStartMs);
      return {
        cpuPct: Math.round(((cpu.user + cpu.system) / US_PER_MS / wallMs) * 1000) / 10,
        loopDelayP99Ms: Math.round((histogram.percentile(99) / NS_PER_MS) * 1000) / 1000,
        loopDelayMaxMs: Math.round((histogram.max / NS_PER_MS) * 1000) / 1000,
      };
    },
  };
}
