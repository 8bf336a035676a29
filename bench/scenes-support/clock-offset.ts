/**
 * How far this process's timing clock (wall-clock.ts) is from CLOCK_MONOTONIC,
 * which every process on the machine shares: two processes' offsets differ
 * by exactly the error their latency figures carry (each process fixes
 * `performance.timeOrigin` from the wall clock once, at its start).
 */
import { wallNowMs } from '../playback-support/wall-clock.js';

const NS_PER_MS = 1e6;

export function clockOffsetMs(): number {
  return wallNowMs() - Number(process.hrtime.bigint()) / NS_PER_MS;
}
