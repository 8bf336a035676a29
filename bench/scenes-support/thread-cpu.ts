/**
 * CPU time of each thread of this process over a stretch, from Linux's
 * /proc/self/task/TID/stat (10 ms ticks): the delivery (main) thread, the
 * niced thread (the scene append worker sets nice 10 on itself, so it is
 * the one with a positive nice), and the rest (V8's GC and compiler
 * helpers, libuv's pool). Process-wide CPU cannot tell recording's share
 * from delivery's; this can. Elsewhere than Linux every figure is null.
 */
import { readdirSync, readFileSync } from 'node:fs';

export interface ThreadCpu {
  /** CPU ms of the main thread (the delivery thread). */
  readonly mainMs: number | null;
  /** CPU ms of the threads running at a positive nice (the append worker). */
  readonly nicedMs: number | null;
  /** CPU ms of every other thread. */
  readonly otherMs: number | null;
}

interface Sample {
  readonly ticks: number;
  readonly nice: number;
}

const TASKS = '/proc/self/task';
/** sysconf(_SC_CLK_TCK) on Linux. */
const MS_PER_TICK = 10;
/** Fields after the ")" that ends the command name: utime, stime and nice are the 14th, 15th and 19th of stat(5). */
const UTIME = 11;
const STIME = 12;
const NICE = 16;

function sample(): Map<number, Sample> | undefined {
  const threads = new Map<number, Sample>();
  try {
    for (const tid of readdirSync(TASKS)) {
      let stat: string;
      try {
        stat = readFileSync(`${TASKS}/${tid}/stat`, 'utf8');
      } catch {
        continue; // The thread ended between the listing and the read.
      }
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      threads.set(Number(tid), { ticks: Number(fields[UTIME]) + Number(fields[STIME]), nice: Number(fields[NICE]) });
    }
  } catch {
    return undefined;
  }
  return threads;
}

/** Starts counting; `stop()` gives each kind of thread's CPU since (a thread that ended meanwhile is not counted). */
export function startThreadCpu(): { stop(): ThreadCpu } {
  const before = sample();
  return {
    stop(): ThreadCpu {
      const after = sample();
      if (before === undefined || after === undefined) return { mainMs: null, nicedMs: null, otherMs: null };
      let main = 0;
      let niced = 0;
      let other = 0;
      for (const [tid, now] of after) {
        const ticks = now.ticks - (before.get(tid)?.ticks ?? 0);
        if (tid === process.pid) main += ticks;
        else if (now.nice > 0) niced += ticks;
        else other += ticks;
      }
      return { mainMs: main * MS_PER_TICK, nicedMs: niced * MS_PER_TICK, otherMs: other * MS_PER_TICK };
    },
  };
}
