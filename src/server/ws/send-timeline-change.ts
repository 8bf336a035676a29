/** A timeline change to one subscriber, live or following a replay, with the slow-consumer rule both share. */
import type { WebSocket } from 'ws';
import { PlayheadError } from '../../core/errors.js';
import type { TimelineMessage } from '../../protocol/server-messages.js';
import type { TimelineChange } from '../../timeline/timeline-evaluator.js';
import { encodeError } from './message-encoder.js';

/**
 * Sends the change, or, when the socket's send buffer is over
 * `maxBufferedBytes`, `slow_consumer` instead and returns false: the caller
 * ends the subscription (the connection stays open).
 */
export function sendTimelineChange(socket: WebSocket, sub: string, timeline: string, maxBufferedBytes: number, change: TimelineChange): boolean {
  if (socket.readyState !== socket.OPEN) return true;
  if (socket.bufferedAmount > maxBufferedBytes) {
    const error = new PlayheadError('slow_consumer', `timeline ${timeline}: the send buffer passed ${maxBufferedBytes} bytes; subscribe again to resume`);
    socket.send(encodeError(error, sub));
    return false;
  }
  const message: TimelineMessage = { type: 'timeline', sub, timeline, ...change };
  socket.send(JSON.stringify(message));
  return true;
}
