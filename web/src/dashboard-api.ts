/** The HTTP half of the API the dashboard reads (docs/protocol.md "HTTP API"), with the page's token. */
import type { ErrorReply, EventsPage, HistogramReply, WireChannel, WireViewSummary } from '../../src/protocol/http-messages.js';
import type { PageConfig } from './page-config.js';
import type { TimelineInterval } from './timeline-bands.js';

/** One rule in the reply to GET /v1/feeds/rules (the fields the dashboard reads). */
export interface WireFeedRule {
  readonly name: string;
  readonly channel: string;
  /** The key template, e.g. `user:{data.user}`. */
  readonly feed: string;
}

/** One timeline in the reply to GET /v1/timelines. */
export interface WireTimeline {
  readonly name: string;
  readonly channel: string;
  readonly key: string;
  readonly query: unknown;
}

export class DashboardApi {
  readonly #origin: string;
  readonly #headers: Readonly<Record<string, string>>;

  constructor(config: PageConfig) {
    this.#origin = config.origin;
    const headers: Record<string, string> = config.token === undefined ? {} : { authorization: `Bearer ${config.token}` };
    this.#headers = Object.freeze(headers);
  }

  async channels(): Promise<readonly WireChannel[]> {
    const reply = await this.#get<{ channels: readonly WireChannel[] }>('/v1/channels');
    return reply.channels;
  }

  async views(): Promise<readonly WireViewSummary[]> {
    const reply = await this.#get<{ views: readonly WireViewSummary[] }>('/v1/views');
    return reply.views;
  }

  async feedRules(): Promise<readonly WireFeedRule[]> {
    const reply = await this.#get<{ rules: readonly WireFeedRule[] }>('/v1/feeds/rules');
    return reply.rules;
  }

  async timelines(): Promise<readonly WireTimeline[]> {
    const reply = await this.#get<{ timelines: readonly WireTimeline[] }>('/v1/timelines');
    return reply.timelines;
  }

  async timelineIntervals(timeline: string, key: string): Promise<readonly TimelineInterval[]> {
    const reply = await this.#get<{ intervals: readonly TimelineInterval[] }>(`/v1/timelines/${encodeURIComponent(timeline)}/keys/${encodeURIComponent(key)}`);
    return reply.intervals;
  }

  histogram(channel: string, buckets: number): Promise<HistogramReply> {
    return this.#get(`/v1/channels/${encodeURIComponent(channel)}/histogram?buckets=${buckets}`);
  }

  events(channel: string, query: { readonly limit: number; readonly order: 'asc' | 'desc' }): Promise<EventsPage> {
    return this.#get(`/v1/channels/${encodeURIComponent(channel)}/events?limit=${query.limit}&order=${query.order}`);
  }

  async #get<T>(path: string): Promise<T> {
    const response = await fetch(new URL(path, this.#origin), { headers: this.#headers });
    const body: unknown = await response.json();
    if (!response.ok) {
      const { error } = body as ErrorReply;
      throw new Error(`${error.code}: ${error.message}`);
    }
    return body as T;
  }
}
