/**
 * What a WebSocket client may send (docs/protocol.md "WebSocket"). One
 * `as const` list gives the `ClientAction` type and the runtime check; the
 * validator accepts exactly what the types allow, plus the lenient forms the
 * protocol promises: booleans as "true"/"false" in any case, numbers as
 * numeric strings. Times and durations stay raw here; the server resolves
 * them against the reader's clock.
 */

import type { TransformInputMessage } from './scene-messages.js';

export const CLIENT_ACTIONS = ['play', 'pause', 'resume', 'seek', 'speed', 'loop', 'step', 'live', 'stop', 'view', 'scene', 'transform', 'timeline', 'feed'] as const;
export type ClientAction = (typeof CLIENT_ACTIONS)[number];

/** A time as sent: ISO-8601, epoch ms, "now" or "now-15m". */
export type WireTime = string | number;
/** A duration as sent: "250ms", "90s", "PT1M" or ms. */
export type WireDuration = string | number;
/** A place in replay order: resume strictly after this event. */
export interface WirePosition {
  readonly ts: number;
  readonly seq: number;
}

interface Addressed {
  /** Subscription id on the multiplexed endpoint /v1/ws. */
  readonly sub?: string;
  /** Channel, on /v1/ws (the per-channel endpoint takes it from the path). */
  readonly channel?: string;
}

export interface PlayAction extends Addressed {
  readonly action: 'play';
  readonly start?: WireTime;
  readonly end?: WireTime;
  readonly speed?: number;
  readonly fit?: WireDuration;
  readonly loop?: boolean;
  readonly minGap?: WireDuration;
  readonly maxGap?: WireDuration;
  /** Resume strictly after this event (a reconnecting client's last one). */
  readonly after?: WirePosition;
  /** `transforms`: a scene channel's updates as the `transform` frames a live scene device gets. @default "events" */
  readonly output?: 'events' | 'transforms';
  /** A device registered to the played scene: the replay goes to it (UDP or WebSocket, its format) instead of this socket; implies `output: "transforms"`. */
  readonly device?: string;
}
export interface SeekAction extends Addressed { readonly action: 'seek'; readonly to?: WireTime; readonly by?: WireDuration }
export interface SpeedAction extends Addressed { readonly action: 'speed'; readonly speed: number }
export interface LoopAction extends Addressed { readonly action: 'loop'; readonly loop?: boolean }
export interface StepAction extends Addressed { readonly action: 'step'; readonly count?: number }
export interface LiveAction extends Addressed { readonly action: 'live'; readonly after?: WirePosition }
export interface BareAction extends Addressed { readonly action: 'pause' | 'resume' | 'stop' }
/** Subscribes to a live view on /v1/ws: one base, then deltas. */
export interface ViewAction extends Addressed {
  readonly action: 'view';
  readonly view: string;
  /** Time travel: one base of the view as it was then, and no deltas. */
  readonly asOf?: WireTime;
  /** The sub of a playback on this connection: the view moves with that replay's playhead. */
  readonly follow?: string;
}

/** Joins a scene as a device (its transforms, then every update), or with `at` reads it as it was then. */
export interface SceneAction extends Addressed {
  readonly action: 'scene';
  readonly scene: string;
  readonly at?: WireTime;
  /** Output encoding: JSON text frames or binary frames (docs/scenes.md). @default "json" */
  readonly format?: 'json' | 'binary';
  /** Receive its own updates too. @default false */
  readonly echo?: boolean;
  /** Leave the scene. */
  readonly leave?: boolean;
}
/** Moves an object (fire-and-forget: no reply unless it is refused). The fields are the JSON transform form. */
export interface TransformAction extends Omit<TransformInputMessage, 'scene'>, Addressed {
  readonly action: 'transform';
  readonly scene: string;
}

/** Follows a timeline's changes on /v1/ws: of one key, or of every key. */
export interface TimelineAction extends Addressed {
  readonly action: 'timeline';
  readonly timeline: string;
  readonly key?: string;
  /** The sub of a playback on this connection: the timeline runs on that replay's playhead and events. */
  readonly follow?: string;
}

/** Follows a feed on /v1/ws: its first `limit` items as one base, then deltas. */
export interface FeedAction extends Addressed {
  readonly action: 'feed';
  readonly feed: string;
  /** Items the live page holds. Default 50. */
  readonly limit?: number;
}

/** The actions that drive a playback session. */
export type PlaybackMessage = PlayAction | SeekAction | SpeedAction | LoopAction | StepAction | LiveAction | BareAction;
export type ClientMessage = PlaybackMessage | ViewAction | SceneAction | TransformAction | TimelineAction | FeedAction;

export type ProtocolErrorCode = 'invalid_json' | 'unknown_action' | 'invalid_parameter';

export type ParseResult =
  | { readonly ok: true; readonly message: ClientMessage }
  | { readonly ok: false; readonly code: ProtocolErrorCode; readonly message: string; readonly sub?: string };

type FieldKind = 'time' | 'duration' | 'number' | 'boolean' | 'integer' | 'string' | 'position' | 'format' | 'json' | 'output';

const ADDRESS_FIELDS: Readonly<Record<string, FieldKind>> = { sub: 'string', channel: 'string' };

/** The fields each action takes; anything else is refused so typos surface. */
const ACTION_FIELDS: Readonly<Record<ClientAction, Readonly<Record<string, FieldKind>>>> = {
  play: { start: 'time', end: 'time', speed: 'number', fit: 'duration', loop: 'boolean', minGap: 'duration', maxGap: 'duration', after: 'position' , output: 'output', device: 'string' },
  pause: {},
  resume: {},
  seek: { to: 'time', by: 'duration' },
  speed: { speed: 'number' },
  loop: { loop: 'boolean' },
  step: { count: 'integer' },
  live: { after: 'position' },
  stop: {},
  view: { view: 'string', asOf: 'time', follow: 'string' },
  scene: { scene: 'string', at: 'time', format: 'format', echo: 'boolean', leave: 'boolean' },
  transform: { scene: 'string', object: 'string', seq: 'integer', time: 'time', location: 'json', rotation: 'json', scale: 'json', device: 'string' },
  timeline: { timeline: 'string', key: 'string', follow: 'string' },
  feed: { feed: 'string', limit: 'integer' },
};

const REQUIRED_FIELDS: Readonly<Partial<Record<ClientAction, readonly string[]>>> = { speed: ['speed'], view: ['view'], scene: ['scene'], transform: ['scene', 'object'], timeline: ['timeline'], feed: ['feed'] };

export function isClientAction(value: unknown): value is ClientAction {
  return typeof value === 'string' && (CLIENT_ACTIONS as readonly string[]).includes(value);
}

/** Validates one decoded frame. */
export function parseClientMessage(value: unknown): ParseResult {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    return { ok: false, code: 'invalid_parameter', message: 'a message must be a JSON object like {"action":"play"}' };
  }
  const record = value as Record<string, unknown>;
  const sub = typeof record.sub === 'string' ? record.sub : undefined;
  const fail = (code: ProtocolErrorCode, message: string): ParseResult => ({ ok: false, code, message, ...(sub === undefined ? {} : { sub }) });
  const action = record.action;
  if (!isClientAction(action)) {
    return fail('unknown_action', `unknown action ${JSON.stringify(action) ?? 'undefined'}: expected one of ${CLIENT_ACTIONS.join(', ')}`);
  }
  const fields = ACTION_FIELDS[action];
  const message: Record<string, unknown> = { action };
  for (const [key, raw] of Object.entries(record)) {
    if (key === 'action') continue;
    const kind = Object.hasOwn(fields, key) ? fields[key] : Object.hasOwn(ADDRESS_FIELDS, key) ? ADDRESS_FIELDS[key] : undefined;
    if (kind === undefined) return fail('invalid_parameter', `${action} does not take field ${JSON.stringify(key)}${describeFields(action)}`);
    const coerced = coerce(kind, raw);
    if (coerced === INVALID) return fail('invalid_parameter', `${key} must be ${KIND_RULES[kind]}, got ${JSON.stringify(raw) ?? 'undefined'}`);
    if (coerced !== undefined) message[key] = coerced;
  }
  for (const key of REQUIRED_FIELDS[action] ?? []) {
    if (!Object.hasOwn(message, key)) return fail('invalid_parameter', `${action} needs field ${JSON.stringify(key)}`);
  }
  return { ok: true, message: message as unknown as ClientMessage };
}

const INVALID = Symbol('invalid');

const KIND_RULES: Readonly<Record<FieldKind, string>> = {
  time: 'a time (ISO-8601, epoch ms, "now" or "now-15m")',
  duration: 'a duration ("250ms", "90s", "PT1M" or ms)',
  number: 'a number',
  boolean: 'true or false',
  integer: 'a whole number',
  string: 'a string',
  position: 'an object {"ts": epoch ms, "seq": integer}',
  format: '"json" or "binary"',
  output: '"events" or "transforms" (a scene channel)',
  json: 'a JSON value',
};

function coerce(kind: FieldKind, raw: unknown): unknown {
  if (raw === null || raw === undefined) return undefined;
  switch (kind) {
    case 'time':
    case 'duration':
      return typeof raw === 'string' || (typeof raw === 'number' && Number.isFinite(raw)) ? raw : INVALID;
    case 'number':
    case 'integer': {
      const number = typeof raw === 'number' ? raw : typeof raw === 'string' && raw.trim() !== '' ? Number(raw) : Number.NaN;
      if (!Number.isFinite(number)) return INVALID;
      return kind === 'integer' && !Number.isInteger(number) ? INVALID : number;
    }
    case 'boolean': {
      if (typeof raw === 'boolean') return raw;
      const text = typeof raw === 'string' ? raw.toLowerCase() : '';
      return text === 'true' ? true : text === 'false' ? false : INVALID;
    }
    case 'string':
      return typeof raw === 'string' ? raw : INVALID;
    case 'format':
      return raw === 'json' || raw === 'binary' ? raw : INVALID;
    case 'output':
      return raw === 'events' || raw === 'transforms' ? raw : INVALID;
    case 'json':
      return raw;
    case 'position': {
      const { ts, seq } = (typeof raw === 'object' ? raw : {}) as Record<string, unknown>;
      return Number.isSafeInteger(ts) && Number.isSafeInteger(seq) ? { ts, seq } : INVALID;
    }
  }
}

function describeFields(action: ClientAction): string {
  const names = Object.keys(ACTION_FIELDS[action]);
  return names.length === 0 ? ' (it takes none)' : `: it takes ${names.join(', ')}`;
}
