/**
 * Encodes server messages as JSON text. An event's body is serialised once
 * and reused for every socket and subscription that receives it (DESIGN
 * fan-out: frame once), only the `sub` prefix differs.
 */
import type { PlayheadError } from '../../core/errors.js';
import type { StoredEvent } from '../../core/event.js';
import { formatTime } from '../../core/time.js';
import type { PlaybackState } from '../../playback/playback-session.js';
import type { ErrorMessage, StateMessage } from '../../protocol/server-messages.js';
import { toWireEvent } from '../wire-format.js';

const eventBodies = new WeakMap<StoredEvent, string>();

function subPrefix(sub: string | undefined): string {
  return sub === undefined ? '' : `"sub":${JSON.stringify(sub)},`;
}

export function encodeEvent(event: StoredEvent, sub: string | undefined): string {
  let body = eventBodies.get(event);
  if (body === undefined) {
    body = JSON.stringify(toWireEvent(event)).slice(1);
    eventBodies.set(event, body);
  }
  return `{"type":"event",${subPrefix(sub)}${body}`;
}

export function encodeState(state: PlaybackState, sub: string | undefined): string {
  const message: StateMessage = {
    type: 'state', ...(sub === undefined ? {} : { sub }),
    status: state.status, position: state.positionMs, time: formatTime(state.positionMs), speed: state.speed, loop: state.loop,
    start: state.start, end: state.end, iteration: state.iteration,
  };
  return JSON.stringify(message);
}

export function encodeError(error: Pick<PlayheadError, 'code' | 'message'>, sub: string | undefined): string {
  const message: ErrorMessage = { type: 'error', ...(sub === undefined ? {} : { sub }), code: error.code, message: error.message };
  return JSON.stringify(message);
}
