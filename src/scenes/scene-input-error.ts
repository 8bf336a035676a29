/** A refused scene input: the wire error (WebSocket/HTTP) plus the counter it increments when it came by UDP. */
import { PlayheadError, type ErrorCode } from '../core/errors.js';
import type { DropReason } from './scene-stats.js';

export class SceneInputError extends PlayheadError {
  readonly reason: DropReason;

  constructor(reason: DropReason, code: ErrorCode, message: string) {
    super(code, message);
    this.reason = reason;
  }
}

/** The drop counter for any error met while reading one input. */
export function dropReasonOf(error: unknown): DropReason {
  if (error instanceof SceneInputError) return error.reason;
  if (error instanceof PlayheadError) {
    if (error.code === 'unknown_scene') return 'unknownScene';
    if (error.code === 'unknown_object') return 'unknownObject';
    if (error.code === 'unknown_device') return 'unknownDevice';
    if (error.code === 'payload_too_large') return 'oversize';
    if (error.code === 'invalid_json') return 'malformed';
  }
  return 'invalid';
}
