/**
 * The timeline panel, under the scrubber: for one key of the selected
 * channel (a video session, a device), each timeline over that channel as a
 * row of coloured state bands across the key's time span, with the playhead
 * on them. Rows are read from GET /v1/timelines/{name}/keys/{key} and read
 * again every few seconds, so a live key keeps growing.
 */
import type { DashboardApi, WireTimeline } from './dashboard-api.js';
import { bandsOf, type TimelineInterval } from './timeline-bands.js';
import { formatIso } from './time-format.js';

export interface TimelinePanelElements {
  readonly panel: HTMLElement;
  readonly key: HTMLSelectElement;
  readonly range: HTMLElement;
  readonly rows: HTMLElement;
}

const REFRESH_MS = 3_000;
const MAX_KEYS = 200;
const KEY_SAMPLE_EVENTS = 5_000;
/** Room left on each side of the key's span, as a fraction of it. */
const SPAN_MARGIN = 0.03;

export class TimelinePanel {
  readonly #elements: TimelinePanelElements;
  readonly #api: DashboardApi;
  readonly #onError: (message: string) => void;
  #timelines: readonly WireTimeline[] = [];
  #range: { start: number; end: number } | undefined = undefined;
  #playhead: HTMLElement | undefined = undefined;
  /** Guards against an older read finishing after a newer one. */
  #generation = 0;

  constructor(elements: TimelinePanelElements, api: DashboardApi, onError: (message: string) => void) {
    this.#elements = elements;
    this.#api = api;
    this.#onError = onError;
    elements.key.addEventListener('change', () => void this.#refresh());
    setInterval(() => {
      if (!elements.panel.hidden) void this.#refresh();
    }, REFRESH_MS);
  }

  /** The timelines over the selected channel; the panel hides when there are none. */
  async show(channel: string, timelines: readonly WireTimeline[]): Promise<void> {
    this.#timelines = timelines;
    this.#elements.panel.hidden = timelines.length === 0;
    this.#elements.rows.replaceChildren();
    this.#range = undefined;
    const first = timelines[0];
    if (first === undefined) return;
    const keys = await this.#keys(channel, first.key);
    this.#elements.key.replaceChildren(...keys.map((key) => Object.assign(document.createElement('option'), { value: key, textContent: key })));
    await this.#refresh();
  }

  /** Moves the playhead line; hidden outside the key's span. */
  setPlayhead(ts: number | undefined): void {
    const range = this.#range;
    if (this.#playhead === undefined || range === undefined) return;
    const fraction = ts === undefined ? -1 : (ts - range.start) / (range.end - range.start);
    this.#playhead.hidden = !(fraction >= 0 && fraction <= 1);
    this.#playhead.style.left = `${(fraction * 100).toFixed(3)}%`;
  }

  /** The first keys seen in the channel, read from its events by the timeline's key path. */
  async #keys(channel: string, keyPath: string): Promise<string[]> {
    const page = await this.#api.events(channel, { limit: KEY_SAMPLE_EVENTS, order: 'asc' });
    const path = keyPath.split('.');
    const keys = new Set<string>();
    for (const event of page.events) {
      let value: unknown = event;
      for (const part of path) value = typeof value === 'object' && value !== null ? (value as Record<string, unknown>)[part] : undefined;
      if (typeof value === 'string' || typeof value === 'number') keys.add(String(value));
      if (keys.size >= MAX_KEYS) break;
    }
    return [...keys];
  }

  async #refresh(): Promise<void> {
    const key = this.#elements.key.value;
    if (key === '' || this.#timelines.length === 0) return;
    const mine = ++this.#generation;
    try {
      const rows = await Promise.all(this.#timelines.map(async (timeline) => ({ timeline, intervals: await this.#api.timelineIntervals(timeline.name, key) })));
      if (mine === this.#generation) this.#render(rows);
    } catch (error) {
      this.#onError(`timelines of ${key}: ${error instanceof Error ? error.message : String(error)}`);
    }
  }

  #render(rows: readonly { timeline: WireTimeline; intervals: readonly TimelineInterval[] }[]): void {
    const times = rows.flatMap(({ intervals }) => intervals.flatMap((interval) => (interval.end === null ? [interval.start] : [interval.start, interval.end])));
    if (times.length === 0) return;
    const [first, last] = [Math.min(...times), Math.max(...times)];
    const margin = Math.max(1_000, (last - first) * SPAN_MARGIN);
    const range = { start: first - margin, end: last + margin };
    this.#range = range;
    this.#elements.range.textContent = `${formatIso(first)} → ${formatIso(last)}`;
    const track = document.createElement('div');
    track.className = 'timeline-tracks';
    for (const { timeline, intervals } of rows) track.append(this.#row(timeline, intervals, range));
    const overlay = document.createElement('div');
    overlay.className = 'timeline-overlay';
    this.#playhead = document.createElement('div');
    this.#playhead.className = 'timeline-playhead';
    this.#playhead.dataset['testid'] = 'timeline-playhead';
    this.#playhead.hidden = true;
    overlay.append(this.#playhead);
    track.append(overlay);
    this.#elements.rows.replaceChildren(track);
  }

  #row(timeline: WireTimeline, intervals: readonly TimelineInterval[], range: { start: number; end: number }): HTMLElement {
    const row = document.createElement('div');
    row.className = 'timeline-row';
    row.dataset['testid'] = 'timeline-row';
    row.dataset['timeline'] = timeline.name;
    const name = document.createElement('span');
    name.className = 'timeline-name';
    name.textContent = timeline.name;
    name.title = typeof timeline.query === 'string' ? timeline.query : JSON.stringify(timeline.query);
    const lane = document.createElement('div');
    lane.className = 'timeline-lane';
    for (const band of bandsOf(intervals, range)) {
      const element = document.createElement('span');
      element.className = 'timeline-band';
      element.dataset['testid'] = 'timeline-band';
      element.style.left = `${(band.from * 100).toFixed(3)}%`;
      element.style.width = `${((band.to - band.from) * 100).toFixed(3)}%`;
      element.style.background = band.color;
      element.title = band.label;
      element.textContent = band.label;
      lane.append(element);
    }
    row.append(name, lane);
    return row;
  }
}
