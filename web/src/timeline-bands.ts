/**
 * What the timeline panel draws for one timeline of one key: its intervals
 * over a time range as coloured bands. Booleans are lit where true, text
 * states get a colour each, numbers (durations) are drawn brighter where
 * they grow and labelled with the value they reach.
 */
import { objectColor } from './object-color.js';

/** One piece of a timeline, as GET /v1/timelines/{name}/keys/{key} answers it. */
export interface TimelineInterval {
  readonly start: number;
  /** null: open-ended. */
  readonly end: number | null;
  readonly value: string | number | boolean | null;
  /** Per second, on a growing duration. */
  readonly rate?: number;
}

export interface TimelineBand {
  /** 0-1 across the range. */
  readonly from: number;
  readonly to: number;
  readonly color: string;
  readonly label: string;
}

const TRUE_COLOR = 'rgba(76, 194, 255, 0.85)';
const FALSE_COLOR = 'rgba(139, 150, 165, 0.18)';
const GROWING_COLOR = 'rgba(255, 176, 32, 0.85)';
const STEADY_COLOR = 'rgba(255, 176, 32, 0.22)';

export function bandsOf(intervals: readonly TimelineInterval[], range: { readonly start: number; readonly end: number }): TimelineBand[] {
  const span = range.end - range.start;
  if (!(span > 0)) return [];
  const bands: TimelineBand[] = [];
  for (const interval of intervals) {
    const start = Math.max(interval.start, range.start);
    const end = Math.min(interval.end ?? range.end, range.end);
    if (end <= start || interval.value === null) continue;
    bands.push({ from: (start - range.start) / span, to: (end - range.start) / span, color: colorOf(interval), label: labelOf(interval, end) });
  }
  return bands;
}

function colorOf(interval: TimelineInterval): string {
  const { value } = interval;
  if (typeof value === 'boolean') return value ? TRUE_COLOR : FALSE_COLOR;
  if (typeof value === 'number') return (interval.rate ?? 0) > 0 ? GROWING_COLOR : STEADY_COLOR;
  return objectColor(String(value));
}

/** The value at the band's right edge: a growing duration has grown by then. */
function labelOf(interval: TimelineInterval, end: number): string {
  const { value } = interval;
  // A lit band says "true" by its colour; false is the background.
  if (typeof value === 'boolean') return value ? 'true' : '';
  if (typeof value !== 'number') return String(value);
  const grown = value + ((interval.rate ?? 0) * (end - interval.start)) / 1_000;
  return `${Number(grown.toFixed(1))}s`;
}
