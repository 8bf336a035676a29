/**
 * Mounts the `--source NAME=URL` tables at start and wraps the store so their
 * channels are read from them (RoutingStore). A source that cannot be mounted
 * stops the start with its error: a flag the user typed must not fail silently.
 */
import { systemClock } from '../core/clock.js';
import type { LiveBus } from '../live/live-bus.js';
import type { EventStore } from '../store/event-store.js';
import { parseSourceFlag } from '../store/sources/parse-source-url.js';
import { RoutingStore } from '../store/sources/routing-store.js';
import { SourceRegistry } from '../store/sources/source-registry.js';

export async function mountSources(native: EventStore, bus: LiveBus, flags: readonly string[]): Promise<{ store: EventStore; sources: SourceRegistry }> {
  const sources = new SourceRegistry({
    clock: systemClock,
    publish: (channel, events) => bus.publish(channel, events),
    onLiveError: (name, error) => console.error(`playhead: source ${name}: live polling failed, retrying: ${(error as Error).message}`),
  });
  try {
    for (const flag of flags) {
      const { name, url } = parseSourceFlag(flag);
      const mounted = await sources.mount(name, url);
      const note = mounted.index.usable ? '' : `; no index serves its time scans, add one: ${mounted.index.advice}`;
      console.log(`source ${name}: ${mounted.table} (${mounted.key === null ? `channel ${name}` : `channels ${mounted.key.channels}`})${note}`);
    }
  } catch (error) {
    await sources.close();
    await native.close();
    throw error;
  }
  return { store: new RoutingStore(native, sources), sources };
}
