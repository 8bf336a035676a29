/**
 * The registry of every wire error code (STYLE: one registry, documented in
 * docs/protocol.md, kept in sync by test/core/errors.test.ts). A code is added
 * only when the user's fix differs from every existing code's.
 */

export interface ErrorSpec {
  /** HTTP status sent with the code. */
  readonly status: number;
  /** When the code is sent (mirrors the docs table). */
  readonly when: string;
  /** WebSocket close code sent after the error, when the socket must close. */
  readonly closeCode?: number;
}

export const ERROR_CODES = {
  invalid_json: { status: 400, when: 'a body, line or frame is not valid JSON' },
  invalid_event: { status: 400, when: 'an event in a batch breaks a rule (fields, types, size)' },
  invalid_time: { status: 400, when: 'a time is not ISO-8601, epoch ms, now or now±duration' },
  invalid_duration: { status: 400, when: 'a duration is not like 250ms, 90s, 5m, 1h, PT1M or a number of ms' },
  invalid_channel: { status: 400, when: 'a channel name is not 1-128 chars of [A-Za-z0-9._:-]' },
  invalid_parameter: { status: 400, when: 'a query parameter or field is missing, of the wrong type or out of range' },
  invalid_view: { status: 400, when: 'a view definition is not valid SQL or is outside the supported subset' },
  invalid_timeline: { status: 400, when: 'a timeline query is not valid DSL or JSON AST, or a timeline definition is malformed' },
  invalid_cursor: { status: 400, when: 'a pagination cursor was not produced by this server for this query' },
  invalid_item: { status: 400, when: 'a feed item breaks a rule (id, data size, fields, batch size)' },
  invalid_rule: { status: 400, when: 'a feed rule has a bad field path, key template, condition or bound' },
  unknown_rule: { status: 404, when: 'no feed rule has this name' },
  unsupported_media_type: { status: 415, when: 'a body is sent with a content type the route does not read' },
  payload_too_large: { status: 413, when: 'a body, event or batch is over its configured limit' },
  unauthorized: { status: 401, when: 'auth is on and no valid token was sent' },
  forbidden: { status: 403, when: 'the token has no scope for this channel and action' },
  not_found: { status: 404, when: 'no route matches the method and path' },
  unknown_channel: { status: 404, when: 'the channel has no events yet' },
  unknown_timeline: { status: 404, when: 'no timeline has this name' },
  timeline_exists: { status: 409, when: 'a timeline with this name exists already' },
  timeline_unavailable: { status: 503, when: 'no node evaluates the timeline right now (its owner died or is starting), or its owner did not answer' },
  unknown_view: { status: 404, when: 'no view has this name' },
  view_exists: { status: 409, when: 'a view with this name exists already' },
  view_unavailable: { status: 503, when: 'another node computes the view and its rows have not reached this node yet' },
  unknown_scene: { status: 404, when: 'no scene has this name' },
  unknown_object: { status: 404, when: 'the scene has no object with this name or index' },
  unknown_device: { status: 404, when: 'the scene has no device with this id (never registered, or dropped after its heartbeats stopped)' },
  scene_exists: { status: 409, when: 'a scene, or an object of the scene, with this name exists already' },
  unknown_action: { status: 400, when: 'a WebSocket message has an action the server does not know' },
  unknown_subscription: { status: 400, when: 'a message on /v1/ws names a sub that is not open' },
  invalid_state: { status: 409, when: 'a control does not apply to the session as it is (step while playing, seek when stopped)' },
  slow_consumer: { status: 503, when: 'a live subscriber fell further behind than the send-buffer limit', closeCode: 1013 },
  invalid_source: { status: 400, when: 'a source URL is malformed, or its table, columns or time values do not fit the mapping' },
  unknown_source: { status: 404, when: 'no source has this name' },
  source_exists: { status: 409, when: 'a source (or a channel prefix) with this name is mounted already' },
  read_only_channel: { status: 405, when: 'a write was sent to a channel of a mounted source (sources are read-only)' },
  store_unavailable: { status: 503, when: 'the store cannot be reached or refused the operation' },
  internal: { status: 500, when: 'an unexpected server fault (logged with the request id)' },
} as const satisfies Record<string, ErrorSpec>;

export type ErrorCode = keyof typeof ERROR_CODES;

export interface PlayheadErrorDetails {
  /** Index of the offending event in a batch. */
  readonly index?: number;
  /** Character position in the offending text (time, duration, query). */
  readonly position?: number;
  readonly cause?: unknown;
}

/** A user-facing error: a stable wire code, a message that says what to do. */
export class PlayheadError extends Error {
  override readonly name = 'PlayheadError';
  readonly code: ErrorCode;
  readonly index: number | undefined;
  readonly position: number | undefined;

  constructor(code: ErrorCode, message: string, details: PlayheadErrorDetails = {}) {
    super(message, details.cause === undefined ? undefined : { cause: details.cause });
    this.code = code;
    this.index = details.index;
    this.position = details.position;
  }

  get status(): number {
    return ERROR_CODES[this.code].status;
  }

  /** The same error, pinned to the event at `index` of a batch. */
  atIndex(index: number): PlayheadError {
    return new PlayheadError(this.code, `event ${index}: ${this.message}`, { index, position: this.position, cause: this.cause });
  }
}

export function isPlayheadError(error: unknown): error is PlayheadError {
  return error instanceof PlayheadError;
}
