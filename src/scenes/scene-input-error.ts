/** Which drop counter a refused scene input increments when it came by UDP (the wire error answers it on WebSocket/HTTP). */
import { PlayheadError } from '../core/errors.js';
import type { DropReason } from './scene-stats.js';

/** The drop counter for any error met while reading one input. */
export function dropReasonOf(error: unknown): DropReason {
  if (error instanceof PlayheadError) {
    if (error.code === 'unknown_scene') return 'unknownScene';
    if (error.code === 'unknown_object') return 'unknownObject';
    if (error.code === 'unknown_device') return 'unknownDevice';
    if (error.code === 'payload_too_large') return 'oversize';
    if (error.code === 'invalid_json') return 'malformed';
  }
  return 'invalid';
}
