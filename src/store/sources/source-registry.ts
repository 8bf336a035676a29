/**
 * The mounted sources of one server: mounts (`--source`, `POST /v1/sources`),
 * unmounts, routes a channel to the source that owns it, and runs each
 * source's live poller. A source that fails keeps its mount: its channels
 * answer with errors naming it, the others are untouched.
 */
import type { Clock } from '../../core/clock.js';
import { PlayheadError } from '../../core/errors.js';
import type { WireSource } from '../../protocol/source-messages.js';
import { openSource } from './open-source.js';
import { parseSourceUrl, validateSourceName } from './parse-source-url.js';
import type { SourceSpec } from './source-spec.js';
import { SourcePoller, type PublishEvents } from './source-poller.js';
import type { TableSource } from './table-source.js';

export interface SourceRegistryOptions {
  readonly clock: Clock;
  /** Where live rows go: the server's LiveBus `publish`. */
  readonly publish: PublishEvents;
  /** Opens a parsed spec. @default openSource (lazy driver import) */
  readonly open?: (spec: SourceSpec) => Promise<TableSource>;
  /** Told when a source's live polling starts failing (the server logs it). */
  readonly onLiveError?: (name: string, error: unknown) => void;
}

interface Mounted {
  readonly source: TableSource;
  poller: SourcePoller | undefined;
  liveError: string | null;
}

export class SourceRegistry {
  readonly #options: SourceRegistryOptions;
  readonly #mounted = new Map<string, Mounted>();
  readonly #pending = new Set<string>();
  #closed = false;

  constructor(options: SourceRegistryOptions) {
    this.#options = options;
  }

  /** Parses, connects, introspects and starts live polling; rejects with `invalid_source`, `source_exists` or `store_unavailable`. */
  async mount(name: string, url: string): Promise<WireSource> {
    validateSourceName(name);
    if (this.#closed) throw new Error('the source registry is closed');
    if (this.#mounted.has(name) || this.#pending.has(name)) {
      throw new PlayheadError('source_exists', `source ${name} is mounted already: unmount it first (DELETE /v1/sources/${name}) or choose another name`);
    }
    const spec = parseSourceUrl(name, url);
    this.#pending.add(name);
    try {
      const source = await (this.#options.open ?? openSource)(spec);
      const mounted: Mounted = { source, poller: undefined, liveError: null };
      mounted.poller = spec.pollIntervalMs === 0 && spec.notifyChannel === undefined ? undefined : new SourcePoller({
        source,
        clock: this.#options.clock,
        publish: this.#options.publish,
        onError: (error) => {
          mounted.liveError = error instanceof Error ? error.message : String(error);
          this.#options.onLiveError?.(name, error);
        },
        onRecovered: () => {
          mounted.liveError = null;
        },
      });
      this.#mounted.set(name, mounted);
      await mounted.poller?.start();
      return source.describe(mounted.liveError);
    } finally {
      this.#pending.delete(name);
    }
  }

  async unmount(name: string): Promise<void> {
    const mounted = this.#mounted.get(name);
    if (mounted === undefined) throw unknownSource(name);
    this.#mounted.delete(name);
    await mounted.poller?.stop();
    await mounted.source.close();
  }

  describe(name: string): WireSource {
    const mounted = this.#mounted.get(name);
    if (mounted === undefined) throw unknownSource(name);
    return mounted.source.describe(mounted.liveError);
  }

  list(): readonly WireSource[] {
    return [...this.#mounted.keys()].sort().map((name) => this.describe(name));
  }

  sources(): readonly TableSource[] {
    return [...this.#mounted.values()].map((mounted) => mounted.source);
  }

  /** The source that owns `channel`: `NAME` or `NAME/key=value`. */
  route(channel: string): TableSource | undefined {
    const slash = channel.indexOf('/');
    const source = this.#mounted.get(slash < 0 ? channel : channel.slice(0, slash))?.source;
    return source?.owns(channel) === true ? source : undefined;
  }

  /** Polls every source now (tests, and a NOTIFY wake-up); resolves when all are done. */
  async pollNow(): Promise<void> {
    await Promise.all([...this.#mounted.values()].map((mounted) => mounted.poller?.poll()));
  }

  async close(): Promise<void> {
    this.#closed = true;
    for (const name of [...this.#mounted.keys()]) await this.unmount(name);
  }
}

function unknownSource(name: string): PlayheadError {
  return new PlayheadError('unknown_source', `no source is named ${JSON.stringify(name)}: GET /v1/sources lists them`);
}
