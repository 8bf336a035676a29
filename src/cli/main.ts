#!/usr/bin/env node
/** The `playhead` command line: serve, cluster, ingest, demo. */
import { readFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { Command, InvalidArgumentError, Option } from 'commander';
import { systemClock } from '../core/clock.js';
import { parseDuration } from '../core/duration.js';
import { isPlayheadError } from '../core/errors.js';
import { RECORD_FORMATS } from '../ingest/file-records.js';
import { Ingestor } from '../ingest/ingestor.js';
import { InProcessBus } from '../live/in-process/in-process-bus.js';
import { DEFAULT_BUS_URL } from '../live/open-bus.js';
import { DEFAULT_STORE_URL, openStore } from '../store/open-store.js';
import { ingestFile } from './ingest-command.js';
import { loadDemo } from './load-demo.js';
import { loadVideoDemo } from './video-demo.js';
import { packageRoot } from './package-root.js';
import { serve } from './serve-command.js';
import { DEFAULT_CLUSTER_BUS, runCluster } from './cluster-command.js';
import { SceneRegistry } from '../scenes/scene-registry.js';
import { prepareDemoScenes } from './demo-scenes.js';

function positiveInteger(value: string): number {
  const number = Number(value);
  if (!Number.isSafeInteger(number) || number <= 0) throw new InvalidArgumentError(`must be a positive integer, got "${value}"`);
  return number;
}

function duration(value: string): number {
  try {
    return parseDuration(value);
  } catch (error) {
    throw new InvalidArgumentError(error instanceof Error ? error.message : String(error));
  }
}

function port(value: string): number {
  const number = Number(value);
  if (!Number.isInteger(number) || number < 0 || number > 65_535) throw new InvalidArgumentError(`must be a port number 0-65535, got "${value}"`);
  return number;
}

const storeOption = () => new Option('--store <url>', 'sqlite:PATH, sqlite::memory:, postgres://user@host:5432/db or dynamodb://REGION').env('PLAYHEAD_STORE').default(DEFAULT_STORE_URL);
const version = (JSON.parse(readFileSync(join(packageRoot(), 'package.json'), 'utf8')) as { version: string }).version;

const program = new Command('playhead')
  .description('Streaming event server with DVR controls')
  .version(version);

program.command('serve')
  .description('start the HTTP/WebSocket server')
  .addOption(new Option('--host <host>', 'address to bind').env('PLAYHEAD_HOST').default('127.0.0.1'))
  .addOption(new Option('--port <port>', 'port to listen on (0 picks a free one)').env('PLAYHEAD_PORT').default(8080).argParser(port))
  .addOption(storeOption())
  .addOption(new Option('--bus <url>', 'live bus: local (one node), nats://host:4222, postgres (LISTEN/NOTIFY on the --store database) or postgres://... (nodes sharing one postgres store)').env('PLAYHEAD_BUS').default(DEFAULT_BUS_URL))
  .addOption(new Option('--node-id <id>', 'this node\'s name in a cluster').env('PLAYHEAD_NODE_ID').default(`${hostname()}-${process.pid}`))
  .addOption(new Option('--takeover <duration>', 'with several nodes: longest time from a node\'s death to another node running its feed rules (e.g. 10s)').env('PLAYHEAD_TAKEOVER').argParser(duration))
  .addOption(new Option('--advertise <url>', 'with several nodes: where the other nodes reach this one\'s HTTP API (default http://HOST:PORT as it listens)').env('PLAYHEAD_ADVERTISE'))
  .option('--demo', 'load the demo channels (idempotent) before listening', false)
  .option('--tokens <file>', 'JSON file mapping tokens to scopes; every request then needs a token')
  .option('--insecure', 'allow a non-loopback host without --tokens', false)
  .option('--max-body-bytes <n>', 'largest request body', positiveInteger)
  .option('--require-existing-channels', 'refuse to play channels that have no events (catches typos)', false)
  .addOption(new Option('--scene-udp-port <port>', 'UDP port for scene datagrams, on --host (0 picks a free one)').env('PLAYHEAD_SCENE_UDP_PORT').default(8081).argParser(port))
  .addOption(new Option('--config <file>', 'JSON config file: {"sources": {"NAME": "URL", ...}} (docs/sources.md)').env('PLAYHEAD_CONFIG'))
  .option('--source <name=url>', 'mount a table read-only, e.g. trips=postgres://host/db?table=public.trips&time=pickup_at (repeatable; docs/sources.md)', (value: string, list: string[]) => [...list, value], [] as string[])
  .addOption(new Option('--log-level <level>', 'pino log level').choices(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('warn'))
  .action((options) => serve(options));

program.command('cluster')
  .description('start N serve nodes on this machine sharing one PostgreSQL store (logs prefixed [n1] ...; docs/scaling.md)')
  .argument('[serve-options...]', 'more serve options for every node, after --')
  .option('--nodes <n>', 'how many nodes (ids n1..nN)', positiveInteger, 3)
  .addOption(new Option('--store <url>', 'postgres://user@host:5432/db?schema=NAME shared by the nodes (required)').env('PLAYHEAD_STORE'))
  .addOption(new Option('--bus <url>', 'postgres (LISTEN/NOTIFY on the store database) or nats://host:4222').default(DEFAULT_CLUSTER_BUS))
  .addOption(new Option('--port <port>', 'node n1\'s HTTP and scene UDP port; node i gets port+i-1 (0: free ports)').default(8080).argParser(port))
  .addOption(new Option('--host <host>', 'address every node binds').default('127.0.0.1'))
  .addOption(new Option('--log-level <level>', 'pino log level of every node').choices(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('warn'))
  .action(async (serveArgs: string[], options: { nodes: number; store?: string; bus: string; port: number; host: string; logLevel: string }) => {
    process.exitCode = await runCluster({ ...options, serveArgs });
  });

program.command('ingest')
  .description('load an NDJSON, JSON or CSV file into a channel')
  .argument('<file>', 'file to load')
  .requiredOption('--channel <name>', 'channel to write to')
  .addOption(storeOption())
  .option('--time-field <path>', 'dot path of the event time (ISO-8601 or epoch); default: now')
  .addOption(new Option('--time-unit <unit>', 'unit of numeric times').choices(['ms', 's']).default('ms'))
  .option('--id-field <path>', 'dot path of a unique id, so re-loading the file is idempotent')
  .addOption(new Option('--format <format>', 'file format (default: from the extension)').choices(RECORD_FORMATS))
  .option('--records-field <path>', 'for JSON: dot path of the array of records (e.g. features)')
  .option('--batch-size <n>', 'events per transaction', positiveInteger, 1_000)
  .action((file, options) => ingestFile(file, options));

program.command('demo')
  .description('load the demo channels into the store, then exit')
  .addOption(storeOption())
  .action(async (options: { store: string }) => {
    const store = await openStore(options.store);
    try {
      const ingestor = new Ingestor({ writer: store, bus: new InProcessBus(), clock: systemClock });
      for (const summary of [...(await loadDemo(ingestor)), await loadVideoDemo(ingestor)]) {
        console.log(`${summary.channel}: ${summary.records} events (${summary.accepted} new)`);
      }
      const scenes = new SceneRegistry({ reader: store, writer: store, clock: systemClock });
      await scenes.load();
      for (const { scene, feed } of await prepareDemoScenes(scenes, systemClock)) {
        console.log(`scene ${scene}: ${feed.objects.length} pedestrians (fed live at 40 Hz by playhead serve --demo)`);
      }
      await scenes.close();
    } finally {
      await store.close();
    }
  });

program.parseAsync().catch((error: unknown) => {
  console.error(`playhead: ${isPlayheadError(error) ? `${error.code}: ` : ''}${(error as Error).message}`);
  process.exitCode = 1;
});
