/**
 * Mounts the sources of `playhead serve` at start: the `sources` of the
 * `--config` file, the `--source NAME=URL` flags, then the ones stored by
 * POST /v1/sources (docs/sources.md), and wraps the store so their channels
 * are read from them (RoutingStore). A source the user typed (flag or config)
 * that cannot be mounted stops the start with its error: it must not fail
 * silently. A stored one is logged and skipped: one database down must not
 * keep the server from starting.
 */
import { readFileSync } from 'node:fs';
import { systemClock } from '../core/clock.js';
import type { LiveBus } from '../live/live-bus.js';
import { DefinitionLog } from '../playback/definition-log.js';
import type { EventStore } from '../store/event-store.js';
import { parseSourceFlag } from '../store/sources/parse-source-url.js';
import { RoutingStore } from '../store/sources/routing-store.js';
import { parseSourcesConfig, type ConfiguredSource } from '../store/sources/source-config.js';
import { MAX_SOURCE_DEFINITION_BYTES, SOURCE_DEFINITIONS_CHANNEL, sourceDefinitionName, type SourceDefinition } from '../store/sources/source-definitions.js';
import { SOURCE_REGISTRY_DEFAULTS, SourceRegistry } from '../store/sources/source-registry.js';

/** Top-level fields of the config file; each is checked, so a typo is an error, not a silently ignored section. */
const CONFIG_FIELDS = ['sources'] as const;

export async function mountSources(native: EventStore, bus: LiveBus, flags: readonly string[], configFile?: string): Promise<{ store: EventStore; sources: SourceRegistry }> {
  const definitions = sourceDefinitionLog(native, bus, (definition) => sources.apply(definition), (error, record) => console.error(record === undefined
    ? `playhead: sources stored on other nodes stop arriving here: ${(error as Error).message}`
    : `playhead: source ${sourceDefinitionName(record)}, stored on another node, not mounted here: ${(error as Error).message}`));
  const sources: SourceRegistry = new SourceRegistry({
    clock: systemClock,
    publish: (channel, events) => bus.publish(channel, events),
    onLiveError: (name, error) => console.error(`playhead: source ${name}: live polling failed, retrying: ${(error as Error).message}`),
    definitions,
    onRemounted: (name) => console.log(`source ${name}: remounted (stored by POST /v1/sources; it could not be mounted at start)`),
  });
  try {
    const mounts = [...(configFile === undefined ? [] : readConfigSources(configFile)), ...flags.map(parseSourceFlag)];
    for (const { name, url } of mounts) {
      const mounted = await sources.mount(name, url);
      const note = mounted.index.usable ? '' : `; no index serves its time scans, add one: ${mounted.index.advice}`;
      console.log(`source ${name}: ${mounted.table} (${mounted.key === null ? `channel ${name}` : `channels ${mounted.key.channels}`})${note}`);
    }
    for (const { name, error } of await sources.load()) {
      console.error(`playhead: stored source ${name} not mounted: ${(error as Error).message} (the definition is kept and tried again every ${SOURCE_REGISTRY_DEFAULTS.remountIntervalMs / 1_000} s; DELETE /v1/sources/${name} forgets it)`);
    }
    for (const name of sources.list().map((source) => source.name)) {
      if (!mounts.some((mount) => mount.name === name)) console.log(`source ${name}: remounted (stored by POST /v1/sources)`);
    }
  } catch (error) {
    await sources.close();
    await native.close();
    throw error;
  }
  return { store: new RoutingStore(native, sources), sources };
}

/** The definitions of POST /v1/sources, in the native store, followed live (every node mounts what any node stores). */
export function sourceDefinitionLog(
  native: EventStore, bus: LiveBus, apply: (definition: SourceDefinition) => Promise<void>, onError: (error: unknown, record?: SourceDefinition) => void,
): DefinitionLog<SourceDefinition> {
  return new DefinitionLog<SourceDefinition>({
    channel: SOURCE_DEFINITIONS_CHANNEL, reader: native, writer: native, bus, clock: systemClock,
    maxRecordBytes: MAX_SOURCE_DEFINITION_BYTES, nameOf: sourceDefinitionName, apply, onError,
  });
}

/** The `sources` of a JSON config file; errors name the file and the field. */
function readConfigSources(file: string): readonly ConfiguredSource[] {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    throw new Error(`cannot read the config file ${file}: ${(error as Error).message}`, { cause: error });
  }
  let config: unknown;
  try {
    config = JSON.parse(text);
  } catch (error) {
    throw new Error(`${file} is not JSON: ${(error as Error).message}`, { cause: error });
  }
  if (typeof config !== 'object' || config === null || Array.isArray(config)) throw new Error(`${file} must hold a JSON object like {"sources": {...}}`);
  for (const field of Object.keys(config)) {
    if (!(CONFIG_FIELDS as readonly string[]).includes(field)) throw new Error(`${file}: unknown field ${JSON.stringify(field)}: the config file takes ${CONFIG_FIELDS.join(', ')}`);
  }
  const value = (config as Record<string, unknown>).sources;
  return value === undefined ? [] : parseSourcesConfig(value, file);
}
