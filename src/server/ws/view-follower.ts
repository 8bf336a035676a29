/** A view following a replay, on its sub: ReplayView's bases and deltas through a ViewStream (consolidated for a slow client). */
import type { StoredEvent } from '../../core/event.js';
import type { ReplayView } from '../../views/replay-view.js';
import type { ReplayFollower } from './followed-replay.js';
import type { ViewStream } from './view-stream.js';

export class ViewFollower implements ReplayFollower {
  readonly #view: ReplayView;
  readonly #stream: ViewStream;

  constructor(view: ReplayView, stream: ViewStream) {
    this.#view = view;
    this.#stream = stream;
  }

  get appliedMs(): number {
    return this.#view.appliedMs;
  }

  async rebuild(atMs: number): Promise<void> {
    const base = await this.#view.rebuild(atMs);
    if (base !== undefined) this.#stream.base(base.asOf, base.rows, base.atMs);
  }

  event(event: StoredEvent): void {
    const delta = this.#view.event(event);
    if (delta !== undefined) this.#stream.delta(delta);
  }

  advanceTo(positionMs: number): void {
    const delta = this.#view.advanceTo(positionMs);
    if (delta !== undefined) this.#stream.delta(delta);
  }

  close(): void {
    this.#stream.close();
  }
}
