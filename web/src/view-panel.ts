/**
 * The view panel: one live view of the selected channel as a bar chart
 * (top-k views) and a table. By default the view follows the dashboard's
 * replay, so "top editors" moves with the playhead at the replay's speed;
 * the toggle switches it to the live log. Bars are keyed by label and slide
 * to their new rank (CSS transitions) as deltas arrive.
 */
import type { LiveView, Playback, PlayheadClient, ViewRow } from '../../client/index.js';
import type { WireViewSummary } from '../../src/protocol/http-messages.js';
import { pictureOf, type ViewBar } from './view-bars.js';

export interface ViewPanelElements {
  readonly select: HTMLSelectElement;
  readonly follow: HTMLButtonElement;
  readonly empty: HTMLElement;
  readonly bars: HTMLElement;
  readonly table: HTMLTableElement;
}

const BAR_ROW_PX = 24;
const MAX_TABLE_ROWS = 50;

export class ViewPanel {
  readonly #elements: ViewPanelElements;
  readonly #onError: (message: string) => void;
  readonly #barElements = new Map<string, HTMLElement>();
  #views: readonly WireViewSummary[] = [];
  #following = true;
  #session: { readonly client: PlayheadClient; readonly playback: Playback } | undefined = undefined;
  #view: LiveView | undefined = undefined;

  constructor(elements: ViewPanelElements, onError: (message: string) => void) {
    this.#elements = elements;
    this.#onError = onError;
    elements.select.addEventListener('change', () => this.#open());
    elements.follow.addEventListener('click', () => {
      this.#following = !this.#following;
      elements.follow.setAttribute('aria-pressed', String(this.#following));
      this.#open();
    });
  }

  /** The views over the selected channel. */
  showViews(views: readonly WireViewSummary[]): void {
    const previous = this.#elements.select.value;
    this.#views = views;
    this.#elements.select.replaceChildren(...views.map((view) => {
      const option = document.createElement('option');
      option.value = view.name;
      option.textContent = view.name;
      option.title = view.sql;
      return option;
    }));
    if (views.some((view) => view.name === previous)) this.#elements.select.value = previous;
    this.#elements.empty.hidden = views.length > 0;
    this.#elements.select.disabled = views.length === 0;
    this.#open();
  }

  /** A new replay session: the view follows it (its connection carries both). */
  attach(client: PlayheadClient, playback: Playback): void {
    this.#session = { client, playback };
    this.#open();
  }

  #open(): void {
    const session = this.#session;
    // The previous view's connection may be closed already (a new session has its own); stop only a live one.
    if (this.#view !== undefined && session !== undefined) this.#view.stop();
    this.#view = undefined;
    const name = this.#elements.select.value;
    const selected = this.#views.find((view) => view.name === name);
    this.#elements.select.title = selected?.sql ?? '';
    this.#render([]);
    if (session === undefined || selected === undefined) return;
    const view = session.client.view(name, this.#following ? { follow: session.playback } : {});
    this.#view = view;
    view.onChange((rows) => {
      if (this.#view === view) this.#render(rows);
    });
    view.ready.catch((error: { code?: string; message?: string }) => this.#onError(`view ${name}: ${error.code ?? ''} ${error.message ?? String(error)}`));
  }

  #render(rows: readonly ViewRow[]): void {
    const picture = pictureOf(rows);
    this.#renderBars(picture.bars);
    this.#renderTable(picture.columns, picture.rows);
  }

  #renderBars(bars: readonly ViewBar[]): void {
    const root = this.#elements.bars;
    root.style.height = `${bars.length * BAR_ROW_PX}px`;
    const keep = new Set(bars.map((bar) => bar.key));
    for (const [key, element] of this.#barElements) {
      if (keep.has(key)) continue;
      element.remove();
      this.#barElements.delete(key);
    }
    for (const [rank, bar] of bars.entries()) {
      const element = this.#barElements.get(bar.key) ?? this.#newBar(bar.key);
      element.style.transform = `translateY(${rank * BAR_ROW_PX}px)`;
      (element.querySelector('.view-bar-fill') as HTMLElement).style.width = `${(bar.fraction * 100).toFixed(2)}%`;
      (element.querySelector('.view-bar-label') as HTMLElement).textContent = bar.label;
      (element.querySelector('.view-bar-value') as HTMLElement).textContent = bar.value.toLocaleString('en-US');
      element.dataset['rank'] = String(rank);
      element.dataset['value'] = String(bar.value);
    }
  }

  #newBar(key: string): HTMLElement {
    const element = document.createElement('div');
    element.className = 'view-bar';
    element.dataset['testid'] = 'view-bar';
    element.innerHTML = '<span class="view-bar-fill"></span><span class="view-bar-label"></span><span class="view-bar-value mono"></span>';
    this.#elements.bars.append(element);
    this.#barElements.set(key, element);
    return element;
  }

  #renderTable(columns: readonly string[], rows: readonly ViewRow[]): void {
    const head = document.createElement('tr');
    head.append(...columns.map((column) => cell('th', column)));
    const body = rows.slice(0, MAX_TABLE_ROWS).map((row) => {
      const line = document.createElement('tr');
      line.dataset['testid'] = 'view-row';
      line.append(...columns.map((column) => cell('td', formatValue(row[column] ?? null))));
      return line;
    });
    this.#elements.table.replaceChildren(head, ...body);
  }
}

function cell(tag: 'th' | 'td', text: string): HTMLElement {
  const element = document.createElement(tag);
  element.textContent = text;
  return element;
}

function formatValue(value: ViewRow[string]): string {
  if (value === null) return '—';
  return typeof value === 'number' ? value.toLocaleString('en-US', { maximumFractionDigits: 2 }) : String(value);
}
