/**
 * Seek latency: the time to read the first page of a channel from a time,
 * through `store.scan` and, beside it on the same times, through one
 * hand-written keyset query on the raw driver, bare and with each row's data
 * parsed as the store returns it. The three rotate which goes first, so none
 * always finds the others' pages in cache.
 */
import { setImmediate } from 'node:timers/promises';
import type { EventStore } from '../../src/store/event-store.js';
import type { RawSql } from './bench-target.js';
import { summarize, type LatencySummary } from './stats.js';

export interface SeekPlan {
  readonly channel: string;
  readonly channelId: number;
  readonly pageSize: number;
  /** Untimed reads of each kind first, at these times; they also check both return the same rows. */
  readonly warmupTimes: readonly number[];
  readonly times: readonly number[];
}

export interface SeekFigures {
  readonly ours: LatencySummary;
  readonly raw: LatencySummary;
  readonly rawDecoded: LatencySummary;
}

export async function measureSeek(store: EventStore, raw: RawSql, plan: SeekPlan): Promise<SeekFigures> {
  const ours = async (start: number) => {
    for await (const page of store.scan({ channel: plan.channel, order: 'asc', start, pageSize: plan.pageSize })) return page;
    return [];
  };
  for (const start of plan.warmupTimes) {
    const page = await ours(start);
    const expected = await raw.seek(plan.channelId, start, plan.pageSize, true);
    await raw.seek(plan.channelId, start, plan.pageSize, false);
    if (page.length !== expected.rows || (page[0]?.seq ?? null) !== expected.firstSeq) {
      throw new Error(`scan from ${start} returned ${page.length} events from seq ${page[0]?.seq}, `
        + `the raw keyset query ${expected.rows} from seq ${expected.firstSeq}`);
    }
  }
  const variants: { readonly read: (start: number) => Promise<unknown>; readonly samples: number[] }[] = [
    { read: ours, samples: [] },
    { read: (start) => raw.seek(plan.channelId, start, plan.pageSize, false), samples: [] },
    { read: (start) => raw.seek(plan.channelId, start, plan.pageSize, true), samples: [] },
  ];
  for (const [index, start] of plan.times.entries()) {
    for (let turn = 0; turn < variants.length; turn += 1) {
      const variant = variants[(index + turn) % variants.length] as (typeof variants)[number];
      const began = performance.now();
      await variant.read(start);
      variant.samples.push(performance.now() - began);
    }
    // A sqlite read never leaves the microtask queue: give signals (SIGINT's cleanup) a turn.
    await setImmediate();
  }
  const [oursMs, rawMs, rawDecodedMs] = variants.map((variant) => summarize(variant.samples)) as [LatencySummary, LatencySummary, LatencySummary];
  return { ours: oursMs, raw: rawMs, rawDecoded: rawDecodedMs };
}
