/**
 * The feed panel: one feed filled by a rule over the selected channel (the
 * demo's latest edits per user and per wiki), newest first, kept live with
 * `ph.feed(key)` on the session's connection. The keys offered are the ones
 * the channel's latest events fill, through the rules' key templates.
 */
import type { LiveFeed, PlayheadClient, WireFeedItem } from '../../client/index.js';
import type { DashboardApi, WireFeedRule } from './dashboard-api.js';
import { feedKeysOf } from './feed-keys.js';
import { formatIso } from './time-format.js';

export interface FeedPanelElements {
  readonly panel: HTMLElement;
  readonly key: HTMLSelectElement;
  readonly list: HTMLElement;
}

const KEY_SAMPLE_EVENTS = 500;
const MAX_KEYS = 100;
const SHOWN_ITEMS = 20;

export class FeedPanel {
  readonly #elements: FeedPanelElements;
  readonly #api: DashboardApi;
  readonly #onError: (message: string) => void;
  #client: PlayheadClient | undefined = undefined;
  #feed: LiveFeed | undefined = undefined;

  constructor(elements: FeedPanelElements, api: DashboardApi, onError: (message: string) => void) {
    this.#elements = elements;
    this.#api = api;
    this.#onError = onError;
    elements.key.addEventListener('change', () => this.#open());
  }

  /** The rules filling feeds from the selected channel; the panel hides when there are none. */
  async show(channel: string, rules: readonly WireFeedRule[]): Promise<void> {
    this.#elements.panel.hidden = rules.length === 0;
    if (rules.length === 0) return this.#close();
    const page = await this.#api.events(channel, { limit: KEY_SAMPLE_EVENTS, order: 'desc' });
    const keys = feedKeysOf(rules.map((rule) => rule.feed), page.events.map((event) => event.data)).slice(0, MAX_KEYS);
    this.#elements.key.replaceChildren(...keys.map((key) => Object.assign(document.createElement('option'), { value: key, textContent: key })));
    this.#open();
  }

  /** A new session's connection carries the live feed. */
  attach(client: PlayheadClient): void {
    this.#client = client;
    this.#open();
  }

  #close(): void {
    this.#feed = undefined;
    this.#elements.list.replaceChildren();
  }

  #open(): void {
    // The previous feed's connection may be closed already (a new session has its own): stop only on a live one.
    if (this.#feed !== undefined && this.#client !== undefined) this.#feed.stop();
    this.#close();
    const key = this.#elements.key.value;
    if (this.#client === undefined || key === '' || this.#elements.panel.hidden) return;
    const feed = this.#client.feed(key, { limit: SHOWN_ITEMS });
    this.#feed = feed;
    feed.onChange((items) => {
      if (this.#feed === feed) this.#render(items);
    });
    feed.ready.catch((error: { code?: string; message?: string }) => this.#onError(`feed ${key}: ${error.code ?? ''} ${error.message ?? String(error)}`));
  }

  #render(items: readonly WireFeedItem[]): void {
    this.#elements.list.replaceChildren(...items.map((item) => {
      const row = document.createElement('li');
      row.className = 'feed-item';
      row.dataset['testid'] = 'feed-item';
      const time = document.createElement('span');
      time.className = 'event-time';
      time.textContent = formatIso(item.time);
      const text = document.createElement('span');
      text.className = 'event-summary';
      text.textContent = describe(item);
      row.append(time, text);
      return row;
    }));
  }
}

function describe(item: WireFeedItem): string {
  const data = item.data as Record<string, unknown> | undefined;
  if (typeof data !== 'object' || data === null) return item.id;
  return Object.values(data).filter((value) => value !== null && value !== undefined && value !== '').map(String).join(' · ');
}
