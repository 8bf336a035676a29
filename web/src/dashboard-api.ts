/** The HTTP half of the API the dashboard reads (docs/protocol.md "HTTP API"), with the page's token. */
import type { ErrorReply, EventsPage, HistogramReply, WireChannel, WireViewSummary } from '../../src/protocol/http-messages.js';
import type { PageConfig } from './page-config.js';

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
