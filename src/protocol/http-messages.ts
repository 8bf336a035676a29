/** Bodies of the HTTP API (docs/protocol.md), shared by server and client. */
import type { WireEvent } from './wire-event.js';

/** Reply to POST /v1/channels/{channel}/events, sent after the commit. */
export interface AppendReply {
  readonly accepted: number;
  readonly duplicates: number;
  readonly firstSeq: number | null;
  readonly lastSeq: number | null;
}

/** Reply to GET /v1/channels/{channel}/events. `next` is null on the last page. */
export interface EventsPage {
  readonly events: readonly WireEvent[];
  readonly next: string | null;
}

export interface WireChannel {
  readonly name: string;
  readonly count: number;
  readonly firstTs: number | null;
  readonly lastTs: number | null;
  readonly firstTime: string | null;
  readonly lastTime: string | null;
  readonly lastSeq: number;
}

/** Reply to GET /v1/channels. */
export interface ChannelList {
  readonly channels: readonly WireChannel[];
}

/** Reply to GET /v1/channels/{channel}/histogram. */
export interface HistogramReply {
  readonly channel: string;
  readonly start: number;
  readonly end: number;
  readonly bucketMs: number;
  readonly resolutionMs: number;
  readonly counts: readonly number[];
}

/** One view in the reply to GET /v1/views. */
export interface WireViewSummary {
  readonly name: string;
  readonly sql: string;
  readonly channels: readonly string[];
}

/** Every HTTP error (4xx/5xx) has this body. */
export interface ErrorReply {
  readonly error: {
    readonly code: string;
    readonly message: string;
    readonly index?: number;
    readonly position?: number;
  };
}
