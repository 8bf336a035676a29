/**
 * The server's views: definitions kept durably in the event log itself (the
 * `playhead.views` channel, replayed at start), each view built from its
 * channel's history and kept live from the bus with the same gapless switch
 * as playback (LiveTail). Reads advance the sliding window to the clock.
 */
import type { Clock } from '../core/clock.js';
import { PlayheadError } from '../core/errors.js';
import { normalizeEvent, type StoredEvent } from '../core/event.js';
import type { LiveBus } from '../live/live-bus.js';
import { LiveTail } from '../playback/live-tail.js';
import type { EventReader, EventWriter } from '../store/event-store.js';
import { parseViewSql } from './parse-view-sql.js';
import { ViewEngine, type ViewRow } from './view-engine.js';
import type { ViewPlan } from './view-plan.js';

export const VIEW_DEFINITIONS_CHANNEL = 'playhead.views';
const FROM_THE_BEGINNING = { ts: -Number.MAX_SAFE_INTEGER, seq: 0 };
const MAX_DEFINITION_BYTES = 64 << 10;

type Definition = { readonly action: 'create'; readonly name: string; readonly sql: string } | { readonly action: 'delete'; readonly name: string };

interface LiveView {
  readonly sql: string;
  readonly plan: ViewPlan;
  readonly engine: ViewEngine;
  readonly tail: LiveTail;
}

export interface ViewSummary {
  readonly name: string;
  readonly sql: string;
  readonly channels: readonly string[];
}

export interface ViewRegistryOptions {
  readonly reader: EventReader;
  readonly writer: EventWriter;
  readonly bus: LiveBus;
  readonly clock: Clock;
}

export class ViewRegistry {
  readonly #options: ViewRegistryOptions;
  readonly #views = new Map<string, LiveView>();

  constructor(options: ViewRegistryOptions) {
    this.#options = options;
  }

  /** Recreates every stored view (at server start). */
  async load(): Promise<void> {
    const latest = new Map<string, Definition>();
    for await (const page of this.#options.reader.scan({ channel: VIEW_DEFINITIONS_CHANNEL, order: 'asc' })) {
      for (const event of page) {
        const definition = event.data as Definition;
        latest.set(definition.name, definition);
      }
    }
    for (const definition of latest.values()) {
      if (definition.action === 'create') await this.#start(definition.name, definition.sql, await parseViewSql(definition.sql));
    }
  }

  async create(sql: string): Promise<ViewSummary> {
    const plan = await parseViewSql(sql);
    if (plan.sources.length !== 1) throw new PlayheadError('invalid_view', 'views over a JOIN are parsed but not maintained yet: use one channel');
    if (this.#views.has(plan.name)) throw new PlayheadError('view_exists', `view ${plan.name} exists: DELETE /v1/views/${plan.name} first`);
    await this.#record({ action: 'create', name: plan.name, sql });
    await this.#start(plan.name, sql, plan);
    return this.#summary(plan.name, this.#views.get(plan.name) as LiveView);
  }

  async delete(name: string): Promise<void> {
    const view = this.#get(name);
    await this.#record({ action: 'delete', name });
    view.tail.stop();
    this.#views.delete(name);
  }

  list(): ViewSummary[] {
    return [...this.#views].map(([name, view]) => this.#summary(name, view)).sort((a, b) => (a.name < b.name ? -1 : 1));
  }

  /** The view's rows now: the sliding window moved to the reader's clock first. */
  rows(name: string): { readonly view: ViewSummary; readonly rows: readonly ViewRow[] } {
    const view = this.#get(name);
    view.engine.advanceTo(this.#options.clock.now());
    return { view: this.#summary(name, view), rows: view.engine.rows() };
  }

  close(): void {
    for (const view of this.#views.values()) view.tail.stop();
    this.#views.clear();
  }

  async #start(name: string, sql: string, plan: ViewPlan): Promise<void> {
    const engine = new ViewEngine(plan);
    const channel = (plan.sources[0] as ViewPlan['sources'][number]).channel;
    const tail = new LiveTail({
      channel, reader: this.#options.reader, bus: this.#options.bus,
      deliver: (events: readonly StoredEvent[]) => {
        for (const event of events) engine.insert(event);
        return true;
      },
      onError: () => this.#views.delete(name),
    });
    this.#views.set(name, { sql, plan, engine, tail });
    await tail.start(FROM_THE_BEGINNING);
  }

  async #record(definition: Definition): Promise<void> {
    const event = normalizeEvent({ data: definition }, { now: this.#options.clock.now(), maxEventBytes: MAX_DEFINITION_BYTES });
    await this.#options.writer.append(VIEW_DEFINITIONS_CHANNEL, [event]);
  }

  #get(name: string): LiveView {
    const view = this.#views.get(name);
    if (view === undefined) throw new PlayheadError('unknown_view', `no view named ${name}: create it with POST /v1/views`);
    return view;
  }

  #summary(name: string, view: LiveView): ViewSummary {
    return { name, sql: view.sql, channels: view.plan.sources.map((source) => source.channel) };
  }
}
