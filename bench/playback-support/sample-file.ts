/** Timing samples passed from a client process to the bench as raw little-endian float64 files (1.5M samples would be ~30 MB as JSON). */
import { readFileSync, writeFileSync } from 'node:fs';

export function writeSamples(path: string, samples: readonly number[]): void {
  writeFileSync(path, Buffer.from(Float64Array.from(samples).buffer));
}

export function readSamples(path: string): Float64Array {
  const bytes = readFileSync(path);
  // Copied so the view is aligned whatever offset the file buffer has.
  const aligned = new Uint8Array(bytes.byteLength);
  aligned.set(bytes);
  return new Float64Array(aligned.buffer);
}
