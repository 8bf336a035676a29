/**
 * The latest events as a virtualised list: one spacer gives the scroll
 * height, and only the rows in view (plus a few) exist in the DOM, reused
 * as the list scrolls. Newest first; when scrolled down, the rows in view
 * stay put as events arrive above them.
 */
import { summarizeEvent } from './event-summary.js';
import type { RecentEvents } from './recent-events.js';

const ROW_HEIGHT_PX = 26;
const OVERSCAN_ROWS = 6;

interface EventRow {
  readonly root: HTMLElement;
  readonly time: HTMLElement;
  readonly summary: HTMLElement;
}

export class EventList {
  readonly #viewport: HTMLElement;
  readonly #spacer: HTMLElement;
  readonly #events: RecentEvents;
  readonly #rows: EventRow[] = [];
  #renderedDelivered = 0;
  #frameRequested = false;

  constructor(viewport: HTMLElement, events: RecentEvents) {
    this.#viewport = viewport;
    this.#events = events;
    this.#spacer = document.createElement('div');
    this.#spacer.className = 'event-list-spacer';
    viewport.replaceChildren(this.#spacer);
    viewport.addEventListener('scroll', () => this.invalidate(), { passive: true });
  }

  /** Renders on the next animation frame, however many events arrived before it. */
  invalidate(): void {
    if (this.#frameRequested) return;
    this.#frameRequested = true;
    requestAnimationFrame(() => {
      this.#frameRequested = false;
      this.#render();
    });
  }

  #render(): void {
    const events = this.#events;
    const arrived = events.delivered - this.#renderedDelivered;
    this.#renderedDelivered = events.delivered;
    this.#spacer.style.height = `${events.length * ROW_HEIGHT_PX}px`;
    if (arrived > 0 && this.#viewport.scrollTop > 0) this.#viewport.scrollTop += Math.min(arrived, events.length) * ROW_HEIGHT_PX;

    const first = Math.max(0, Math.floor(this.#viewport.scrollTop / ROW_HEIGHT_PX) - OVERSCAN_ROWS);
    const visible = Math.ceil(this.#viewport.clientHeight / ROW_HEIGHT_PX) + 2 * OVERSCAN_ROWS;
    const last = Math.min(events.length, first + visible);
    while (this.#rows.length < last - first) this.#rows.push(this.#createRow());
    this.#rows.forEach((row, offset) => {
      const event = events.at(first + offset);
      row.root.hidden = event === undefined;
      if (event === undefined) return;
      row.root.style.transform = `translateY(${(first + offset) * ROW_HEIGHT_PX}px)`;
      const key = `${event.ts}:${event.seq}`;
      if (row.root.dataset['key'] === key) return;
      row.root.dataset['key'] = key;
      row.root.dataset['ts'] = String(event.ts);
      row.time.textContent = event.time;
      row.summary.textContent = summarizeEvent(event.data);
    });
  }

  #createRow(): EventRow {
    const root = document.createElement('div');
    root.className = 'event-row';
    root.dataset['testid'] = 'event-row';
    root.style.height = `${ROW_HEIGHT_PX}px`;
    const time = document.createElement('time');
    time.className = 'event-time';
    const summary = document.createElement('span');
    summary.className = 'event-summary';
    root.append(time, summary);
    this.#spacer.append(root);
    return { root, time, summary };
  }
}
