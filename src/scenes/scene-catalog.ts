/**
 * Scene and object definitions kept durably in the event log itself (the
 * `playhead.scenes` channel, replayed at start), as the view registry keeps
 * views: an HTTP create is acknowledged only after its record is stored.
 */
import { normalizeEvent } from '../core/event.js';
import type { Clock } from '../core/clock.js';
import type { EventReader, EventWriter } from '../store/event-store.js';
import { SCENE_DEFINITIONS_CHANNEL } from './scene-channels.js';
import type { SceneBaseline } from './scene.js';

export type CatalogRecord =
  | { readonly op: 'scene'; readonly name: string; readonly index: number; readonly auth: boolean; readonly metadata: unknown; readonly baseline: SceneBaseline }
  | { readonly op: 'dropScene'; readonly name: string }
  | { readonly op: 'object'; readonly scene: string; readonly index: number; readonly name: string; readonly type: string | null; readonly metadata: unknown }
  | { readonly op: 'dropObject'; readonly scene: string; readonly index: number };

const MAX_RECORD_BYTES = 1 << 20;

export class SceneCatalog {
  readonly #reader: EventReader;
  readonly #writer: EventWriter;
  readonly #clock: Clock;

  constructor(reader: EventReader, writer: EventWriter, clock: Clock) {
    this.#reader = reader;
    this.#writer = writer;
    this.#clock = clock;
  }

  async *records(): AsyncIterable<CatalogRecord> {
    for await (const page of this.#reader.scan({ channel: SCENE_DEFINITIONS_CHANNEL, order: 'asc' })) {
      for (const event of page) yield event.data as CatalogRecord;
    }
  }

  async record(record: CatalogRecord): Promise<void> {
    const event = normalizeEvent({ data: record }, { now: this.#clock.now(), maxEventBytes: MAX_RECORD_BYTES });
    await this.#writer.append(SCENE_DEFINITIONS_CHANNEL, [event]);
  }
}
