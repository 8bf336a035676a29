/**
 * The machine's floor for a replay schedule, run as its own process (beside
 * the single-session replay, which leaves the 2 cores mostly idle):
 *   node --import tsx bench/playback-support/timer-floor-client.ts --seconds S --rate N
 * Wakes at W0 + i * (1000 / rate) for every i, computed from the start and
 * never from the previous wake, with the server clock's own method
 * (setTimeout for the whole ms, re-armed after an early wake, setImmediate
 * for the last fraction), and records how late each wake was. No sockets,
 * no store: what is left is timer granularity, GC and the VM's scheduling.
 * Prints one JSON line with the lateness summary (ms).
 */
import { parseArgs } from 'node:util';
import { summarize } from '../support/stats.js';
import { startLoadMonitor } from './process-load.js';
import { sleepUntilWallMs, wallNowMs } from './wall-clock.js';

const { values } = parseArgs({
  options: { seconds: { type: 'string', default: '30' }, rate: { type: 'string', default: '100' } },
  strict: true,
});
const rate = Number(values.rate);
const count = Math.round(Number(values.seconds) * rate);

async function main(): Promise<void> {
  const lateness: number[] = [];
  const load = startLoadMonitor();
  const startMs = wallNowMs() + 20;
  for (let i = 0; i < count; i += 1) {
    const dueMs = startMs + (i * 1_000) / rate;
    await sleepUntilWallMs(dueMs);
    lateness.push(wallNowMs() - dueMs);
  }
  process.stdout.write(`${JSON.stringify({ ...summarize(lateness), count, ...load.stop() })}\n`);
}

main().then(() => process.exit(0), (error: unknown) => {
  process.stderr.write(`timer floor client failed: ${error instanceof Error ? error.stack : String(error)}\n`);
  process.exit(1);
});
