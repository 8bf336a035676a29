/**
 * Resolves a validated client message into a playback command: times and
 * durations parsed against the reader's clock, `fit` turned into a speed,
 * and the rules between fields checked (end after start, speed not 0).
 */
import { describeValue } from '../core/describe-value.js';
import type { Position } from '../core/event.js';
import { parseDuration } from '../core/duration.js';
import { PlayheadError } from '../core/errors.js';
import { parseTime } from '../core/time.js';
import type { PlaybackMessage, PlayAction } from '../protocol/client-actions.js';
import { fitSpeed } from './schedule.js';

export const SPEED_LIMITS = Object.freeze({ minAbs: 1e-4, maxAbs: 1e6 });

export interface PlayCommand {
  readonly kind: 'play';
  /** null: live. */
  readonly start: number | null;
  /** null: play on, catch up with live, stay live. */
  readonly end: number | null;
  readonly speed: number;
  readonly loop: boolean;
  readonly minGapMs: number;
  readonly maxGapMs: number;
  /** Resume strictly after this event instead of at the window's edge. */
  readonly after: Position | null;
}

export type PlaybackCommand =
  | PlayCommand
  | { readonly kind: 'pause' | 'resume' | 'stop' }
  | { readonly kind: 'live'; readonly after: Position | null }
  | { readonly kind: 'seek'; readonly to: number }
  | { readonly kind: 'seekBy'; readonly byMs: number }
  | { readonly kind: 'speed'; readonly speed: number }
  | { readonly kind: 'loop'; readonly loop: boolean | null }
  | { readonly kind: 'step'; readonly count: number };

const MAX_STEP_EVENTS = 10_000;

export function resolveCommand(message: PlaybackMessage, nowMs: number): PlaybackCommand {
  switch (message.action) {
    case 'play':
      return resolvePlay(message, nowMs);
    case 'pause':
    case 'resume':
    case 'stop':
      return { kind: message.action };
    case 'live':
      return { kind: 'live', after: message.after ?? null };
    case 'seek':
      if (message.to !== undefined && message.by !== undefined) throw invalid('seek takes "to" or "by", not both');
      if (message.to !== undefined) return { kind: 'seek', to: parseTime(message.to, { now: nowMs, field: 'to' }) };
      if (message.by !== undefined) return { kind: 'seekBy', byMs: parseDuration(message.by, { signed: true, field: 'by' }) };
      throw invalid('seek needs "to" (a time) or "by" (a signed duration such as "-30s")');
    case 'speed':
      return { kind: 'speed', speed: checkSpeed(message.speed) };
    case 'loop':
      return { kind: 'loop', loop: message.loop ?? null };
    case 'step': {
      const count = message.count ?? 1;
      if (count < 1 || count > MAX_STEP_EVENTS) throw invalid(`count must be 1-${MAX_STEP_EVENTS}, got ${count}`);
      return { kind: 'step', count };
    }
    default:
      return assertNever(message);
  }
}

function resolvePlay(message: PlayAction, nowMs: number): PlayCommand {
  const start = message.start === undefined ? null : parseTime(message.start, { now: nowMs, field: 'start' });
  const end = message.end === undefined ? null : parseTime(message.end, { now: nowMs, field: 'end' });
  if (start === null && end !== null) throw invalid('end needs a start: omit both to watch live');
  if (start !== null && end !== null && end <= start) throw invalid(`end must be after start, got start ${describeValue(message.start)} and end ${describeValue(message.end)}`);
  if (message.fit !== undefined && message.speed !== undefined) throw invalid('give speed or fit, not both');
  let speed = message.speed === undefined ? 1 : checkSpeed(message.speed);
  if (message.fit !== undefined) {
    const fitMs = parseDuration(message.fit, { field: 'fit' });
    if (start === null || end === null) throw invalid('fit needs both start and end: it plays that window in the given time');
    if (fitMs <= 0) throw invalid(`fit must be longer than 0, got ${describeValue(message.fit)}`);
    speed = checkSpeed(fitSpeed(end - start, fitMs));
  }
  const minGapMs = message.minGap === undefined ? 0 : parseDuration(message.minGap, { field: 'minGap' });
  const maxGapMs = message.maxGap === undefined ? Number.POSITIVE_INFINITY : parseDuration(message.maxGap, { field: 'maxGap' });
  if (minGapMs > maxGapMs) throw invalid(`minGap must not exceed maxGap, got ${describeValue(message.minGap)} and ${describeValue(message.maxGap)}`);
  return { kind: 'play', start, end, speed, loop: message.loop ?? false, minGapMs, maxGapMs, after: message.after ?? null };
}

function checkSpeed(speed: number): number {
  const magnitude = Math.abs(speed);
  if (!Number.isFinite(speed) || magnitude < SPEED_LIMITS.minAbs || magnitude > SPEED_LIMITS.maxAbs) {
    throw invalid(`speed must be a number from ${SPEED_LIMITS.minAbs} to ${SPEED_LIMITS.maxAbs} (negative plays backwards), got ${describeValue(speed)}`);
  }
  return speed;
}

function invalid(message: string): PlayheadError {
  return new PlayheadError('invalid_parameter', message);
}

function assertNever(value: never): never {
  throw new TypeError(`unhandled client action ${JSON.stringify(value)}`);
}
