/** Converts store shapes to wire shapes (docs/protocol.md). */
import { formatTime } from '../core/time.js';
import type { StoredEvent } from '../core/event.js';
import type { WireChannel } from '../protocol/http-messages.js';
import type { WireEvent } from '../protocol/wire-event.js';
import type { ChannelInfo } from '../store/event-store.js';

export function toWireEvent(event: StoredEvent): WireEvent {
  return { channel: event.channel, seq: event.seq, ts: event.ts, time: formatTime(event.ts), id: event.id, data: event.data };
}

export function toWireChannel(info: ChannelInfo): WireChannel {
  return {
    ...info,
    firstTime: info.firstTs === null ? null : formatTime(info.firstTs),
    lastTime: info.lastTs === null ? null : formatTime(info.lastTs),
  };
}
