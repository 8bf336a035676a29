/** What the server sends on a WebSocket (docs/protocol.md "WebSocket"). */
import type { SceneMessage } from './scene-messages.js';
import type { WireEvent } from './wire-event.js';

export const SERVER_MESSAGE_TYPES = ['event', 'state', 'error', 'base', 'delta', 'scene', 'transform', 'timeline', 'timeline_missed'] as const;
export type ServerMessageType = (typeof SERVER_MESSAGE_TYPES)[number];

export const PLAYBACK_STATUSES = ['playing', 'paused', 'live', 'ended', 'stopped'] as const;
export type PlaybackStatus = (typeof PLAYBACK_STATUSES)[number];

interface Addressed {
  /** The subscription, on /v1/ws. */
  readonly sub?: string;
}

export interface EventMessage extends WireEvent, Addressed {
  readonly type: 'event';
}

export interface StateMessage extends Addressed {
  readonly type: 'state';
  readonly status: PlaybackStatus;
  /** The playhead, epoch ms: the event time now being shown. */
  readonly position: number;
  /** `position` as ISO-8601. */
  readonly time: string;
  readonly speed: number;
  readonly loop: boolean;
  /** The window, epoch ms; null where open (no start: live; no end: play on into live). */
  readonly start: number | null;
  readonly end: number | null;
  /** Completed loops of the window, from 0. */
  readonly iteration: number;
}

export interface ErrorMessage extends Addressed {
  readonly type: 'error';
  readonly code: string;
  readonly message: string;
}

export type ViewRow = Readonly<Record<string, string | number | boolean | null>>;

/** A view's rows as of position `asOf`; deltas with `to <= asOf` are already in it. */
export interface BaseMessage extends Addressed {
  readonly type: 'base';
  readonly view: string;
  readonly asOf: number;
  /** The event time the rows show (epoch ms), on a time-travel base (no deltas follow it) and on a view following a replay. */
  readonly at?: number;
  readonly rows: readonly ViewRow[];
}

/** Changes from position `from` to `to`: add a row (+1) or remove one (-1). */
export interface DeltaMessage extends Addressed {
  readonly type: 'delta';
  readonly view: string;
  readonly from: number;
  readonly to: number;
  readonly changes: readonly { readonly row: ViewRow; readonly diff: 1 | -1 }[];
}

/**
 * A timeline's value for `key` from event time `at` (epoch ms) on: durations
 * in seconds, `rate` per second while one grows, null while unknown.
 * `revised`: a late event rewrote the key's timeline from `at`; `value` is the value now.
 */
export interface TimelineMessage extends Addressed {
  readonly type: 'timeline';
  readonly timeline: string;
  readonly key: string;
  readonly at: number;
  readonly value: string | number | boolean | null;
  readonly rate?: number;
  readonly revised?: true;
}

/** To a subscription to every key of a timeline: changes from `at` back may have been lost on the way between nodes. */
export interface TimelineMissedMessage extends Addressed {
  readonly type: 'timeline_missed';
  readonly timeline: string;
  readonly at: number;
}

/** `transform` messages come packed, as a JSON array in one frame (docs/scenes.md), so they are not in this union. */
export type ServerMessage = EventMessage | StateMessage | ErrorMessage | BaseMessage | DeltaMessage | SceneMessage | TimelineMessage | TimelineMissedMessage;
