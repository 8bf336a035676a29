/**
 * The mounted sources of one server: mounts (`--source`, `POST /v1/sources`),
 * unmounts, routes a channel to the source that owns it, and runs each
 * source's live poller. A source that fails keeps its mount: its channels
 * answer with errors naming it, the others are untouched.
 */
import type { Clock, TimerHandle } from '../../core/clock.js';
import { PlayheadError } from '../../core/errors.js';
import type { WireSource } from '../../protocol/source-messages.js';
import { openSource } from './open-source.js';
import { parseAnySourceUrl } from './parse-dynamodb-source-url.js';
import { validateSourceName } from './parse-source-url.js';
import type { AnySourceSpec } from './source-spec.js';
import { readSourceDefinition, sourceDefinitionName, type SourceDefinition, type SourceDefinitionLog } from './source-definitions.js';
import { SourcePoller, type PublishEvents } from './source-poller.js';
import type { MountedSource } from './mounted-source.js';

export interface SourceRegistryOptions {
  readonly clock: Clock;
  /** Where live rows go: the server's LiveBus `publish`. */
  readonly publish: PublishEvents;
  /** Opens a parsed spec. @default openSource (lazy driver import) */
  readonly open?: (spec: AnySourceSpec) => Promise<MountedSource>;
  /** Told when a source's live polling starts failing (the server logs it). */
  readonly onLiveError?: (name: string, error: unknown) => void;
  /**
   * Where mounts made with `{ persist: true }` (POST /v1/sources) are recorded, for every node now and
   * for `load()` at the next start; its `apply` must be this registry's `apply`. @default none: nothing persists
   */
  readonly definitions?: SourceDefinitionLog;
  /** How long a stored source that could not be mounted at `load()` waits before each new try, in ms; 0: no retries. @default 30000 */
  readonly remountIntervalMs?: number;
  /** Told when such a source is mounted on a retry (the server logs it). */
  readonly onRemounted?: (name: string) => void;
}

export const SOURCE_REGISTRY_DEFAULTS = Object.freeze({ remountIntervalMs: 30_000 });

export interface MountOptions {
  /** Record the mount so `load()` remounts it after a restart (needs `definitions`). @default false: `--source` flags are given at every start */
  readonly persist?: boolean;
}

interface Mounted {
  readonly source: MountedSource;
  /** As given, to tell a definition made elsewhere that changes it from this node's own coming back. */
  readonly url: string;
  readonly persisted: boolean;
  poller: SourcePoller | undefined;
  liveError: string | null;
}

export class SourceRegistry {
  readonly #options: SourceRegistryOptions;
  readonly #mounted = new Map<string, Mounted>();
  readonly #pending = new Set<string>();
  /** Stored definitions that failed to mount at `load()`: DELETE can still forget them. */
  readonly #unmountable = new Set<string>();
  /** The next try of each stored source that failed to mount. */
  readonly #remounts = new Map<string, TimerHandle>();
  readonly #remountIntervalMs: number;
  #closed = false;

  constructor(options: SourceRegistryOptions) {
    this.#options = options;
    this.#remountIntervalMs = options.remountIntervalMs ?? SOURCE_REGISTRY_DEFAULTS.remountIntervalMs;
    if (!Number.isSafeInteger(this.#remountIntervalMs) || this.#remountIntervalMs < 0) {
      throw new RangeError(`SourceRegistryOptions.remountIntervalMs must be an integer >= 0, got ${this.#remountIntervalMs}`);
    }
  }

  /** Parses, connects, introspects and starts live polling; rejects with `invalid_source`, `source_exists` or `store_unavailable`. */
  async mount(name: string, url: string, options: MountOptions = {}): Promise<WireSource> {
    const persist = options.persist === true && this.#options.definitions !== undefined;
    return this.#mount(name, url, persist, persist);
  }

  /** `persist`: DELETE forgets it; `record`: write the definition (false when `load()` remounts a stored one). */
  async #mount(name: string, url: string, persist: boolean, record: boolean): Promise<WireSource> {
    validateSourceName(name);
    if (this.#closed) throw new Error('the source registry is closed');
    if (persist && this.#unmountable.has(name)) {
      throw new PlayheadError('source_exists', `source ${name} is stored but could not be mounted at start (see the server log): DELETE /v1/sources/${name} forgets it, then mount it again`);
    }
    if (this.#mounted.has(name) || this.#pending.has(name)) {
      throw new PlayheadError('source_exists', `source ${name} is mounted already: unmount it first (DELETE /v1/sources/${name}) or choose another name`);
    }
    const spec = parseAnySourceUrl(name, url);
    this.#pending.add(name);
    try {
      const source = await (this.#options.open ?? openSource)(spec);
      const mounted: Mounted = { source, url, persisted: persist, poller: undefined, liveError: null };
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
      try {
        await mounted.poller?.start();
        // Recorded only once mounted: a URL that cannot be mounted is refused, not stored to fail at every start.
        if (record) await this.#record({ action: 'mount', name, url });
      } catch (error) {
        this.#mounted.delete(name);
        await mounted.poller?.stop();
        await source.close();
        throw error;
      }
      return source.describe(mounted.liveError);
    } finally {
      this.#pending.delete(name);
    }
  }

  /**
   * Remounts every stored definition (at start, after the `--source` flags), then follows the ones made on
   * other nodes. One that cannot be mounted (database down, table gone) or whose name a flag took is skipped
   * and reported, never fatal; its definition stays, a failed one is tried again every `remountIntervalMs`,
   * and DELETE /v1/sources/{name} forgets it.
   */
  async load(): Promise<{ readonly name: string; readonly error: unknown }[]> {
    const log = this.#options.definitions;
    if (log === undefined) return [];
    return (await log.open()).map(({ record, error }) => ({ name: sourceDefinitionName(record), error }));
  }

  /**
   * Brings this node in line with one stored definition, from `load()` or made on any node (this one's own
   * come back too, and find their work done). A flag's source of that name wins over a stored mount.
   */
  async apply(record: SourceDefinition): Promise<void> {
    const definition = readSourceDefinition(record);
    const { name } = definition;
    // Closing, or this node's own mount of the name is under way and its record comes after this one.
    if (this.#closed || this.#pending.has(name)) return;
    const mounted = this.#mounted.get(name);
    this.#forgetUnmountable(name);
    if (definition.action === 'unmount') {
      if (mounted?.persisted === true) await this.#drop(name, mounted);
      return;
    }
    if (mounted !== undefined && !mounted.persisted) {
      this.#unmountable.add(name);
      throw new PlayheadError('source_exists', `source ${name} is mounted by --source or the config file, which wins over the definition stored by POST /v1/sources`);
    }
    if (mounted?.url === definition.url) return;
    if (mounted !== undefined) await this.#drop(name, mounted);
    try {
      await this.#mount(name, definition.url, true, false);
    } catch (error) {
      this.#unmountable.add(name);
      this.#scheduleRemount(name, definition.url);
      throw error;
    }
  }

  #scheduleRemount(name: string, url: string): void {
    if (this.#remountIntervalMs === 0 || this.#closed) return;
    this.#remounts.set(name, this.#options.clock.setTimer(this.#remountIntervalMs, () => void this.#remount(name, url)));
  }

  async #remount(name: string, url: string): Promise<void> {
    this.#remounts.delete(name);
    if (this.#closed || !this.#unmountable.has(name)) return;
    // Out of the set while it is tried, or #mount would refuse the name as stored-but-failed.
    this.#unmountable.delete(name);
    try {
      await this.#mount(name, url, true, false);
    } catch {
      // Reported once, by load(): a database that stays down must not fill the log at every try.
      this.#unmountable.add(name);
      this.#scheduleRemount(name, url);
      return;
    }
    this.#options.onRemounted?.(name);
  }

  /** Unmounts; a source mounted through the API is also forgotten, so it is not remounted at the next start. */
  async unmount(name: string): Promise<void> {
    const mounted = this.#mounted.get(name);
    if (mounted === undefined && this.#unmountable.has(name)) {
      await this.#record({ action: 'unmount', name });
      this.#forgetUnmountable(name);
      return;
    }
    if (mounted === undefined) throw unknownSource(name);
    // A flag's source that shadowed a stored definition forgets that too: DELETE means "not at the next start either".
    const shadowed = this.#unmountable.delete(name);
    if ((mounted.persisted || shadowed) && !this.#closed) await this.#record({ action: 'unmount', name });
    await this.#drop(name, mounted);
  }

  /** Stops one mount, once: the record of an unmount made here may drop it first, through `apply`. */
  async #drop(name: string, mounted: Mounted): Promise<void> {
    if (this.#mounted.get(name) !== mounted) return;
    this.#mounted.delete(name);
    await mounted.poller?.stop();
    await mounted.source.close();
  }

  #forgetUnmountable(name: string): void {
    this.#unmountable.delete(name);
    this.#remounts.get(name)?.cancel();
    this.#remounts.delete(name);
  }

  describe(name: string): WireSource {
    const mounted = this.#mounted.get(name);
    if (mounted === undefined) throw unknownSource(name);
    return mounted.source.describe(mounted.liveError);
  }

  list(): readonly WireSource[] {
    return [...this.#mounted.keys()].sort().map((name) => this.describe(name));
  }

  sources(): readonly MountedSource[] {
    return [...this.#mounted.values()].map((mounted) => mounted.source);
  }

  /** The source that owns `channel`: `NAME` or `NAME/key=value`. */
  route(channel: string): MountedSource | undefined {
    const slash = channel.indexOf('/');
    const source = this.#mounted.get(slash < 0 ? channel : channel.slice(0, slash))?.source;
    return source?.owns(channel) === true ? source : undefined;
  }

  /** Polls every source now (tests, and a NOTIFY wake-up); resolves when all are done. */
  async pollNow(): Promise<void> {
    await Promise.all([...this.#mounted.values()].map((mounted) => mounted.poller?.poll()));
  }

  /** Stops every source; stored definitions stay (closing is a shutdown, not a delete). */
  async close(): Promise<void> {
    this.#closed = true;
    for (const timer of this.#remounts.values()) timer.cancel();
    this.#remounts.clear();
    this.#options.definitions?.close();
    for (const name of [...this.#mounted.keys()]) await this.unmount(name);
  }

  async #record(definition: SourceDefinition): Promise<void> {
    await this.#options.definitions?.record(definition);
  }
}

function unknownSource(name: string): PlayheadError {
  return new PlayheadError('unknown_source', `no source is named ${JSON.stringify(name)}: GET /v1/sources lists them`);
}
