/**
 * The clock of every timing figure: epoch ms with sub-ms resolution
 * (`performance.timeOrigin + performance.now()`, monotonic within a
 * process). Figures only ever subtract two readings of one process.
 */

export function wallNowMs(): number {
  return performance.timeOrigin + performance.now();
}

/**
 * Resolves at `targetMs` (a `wallNowMs` reading) or just after, never
 * before: setTimeout counts whole ms and may fire early, so it re-arms for
 * the remainder and yields to I/O for the last fraction.
 */
export async function sleepUntilWallMs(targetMs: number): Promise<void> {
  for (;;) {
    const remainingMs = targetMs - wallNowMs();
    if (remainingMs <= 0) return;
    await new Promise<void>((resolve) => {
      if (remainingMs < 1) setImmediate(resolve);
      else setTimeout(resolve, Math.floor(remainingMs));
    });
  }
}
