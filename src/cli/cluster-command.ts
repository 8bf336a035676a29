/**
 * `playhead cluster`: N `playhead serve` child processes on one machine,
 * sharing one PostgreSQL store and a bus, for trying a cluster out and for
 * tests (docs/scaling.md). Node i is `n<i>` on port base+i-1; every log line
 * is prefixed `[n<i>] `. SIGINT/SIGTERM stops them all; a node that dies on
 * its own stops the others and makes the exit code 1.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { createInterface } from 'node:readline';
import type { Writable } from 'node:stream';
import { systemClock, type TimerHandle } from '../core/clock.js';
import { isPostgresUrl } from '../store/open-store.js';

export interface ClusterOptions {
  /** How many nodes, 1 or more. */
  readonly nodes: number;
  /** A postgres:// URL; required (see requirePostgresStore). */
  readonly store?: string;
  /** The nodes' bus: `postgres` (the store's database) or nats://host:4222. @default "postgres" */
  readonly bus: string;
  /** Node 1's HTTP port (and scene UDP port); node i gets port+i-1. 0: every node picks free ones. @default 8080 */
  readonly port: number;
  readonly host: string;
  readonly logLevel: string;
  /** More `playhead serve` options passed to every node (after `--`). */
  readonly serveArgs?: readonly string[];
}

export const DEFAULT_CLUSTER_BUS = 'postgres';
/** How long a stopping node may take before it is killed, ms. */
const STOP_GRACE_MS = 10_000;
const LISTENING = /listening on (http:\/\/\S+)/;
const MAX_PORT = 65_535;

interface Node {
  readonly id: string;
  readonly child: ChildProcess;
  readonly listening: Promise<string>;
}

/** The machine's own PostgreSQL is not assumed: several nodes need one database shared on purpose, named by the user. */
function requirePostgresStore(store: string | undefined): string {
  if (store !== undefined && isPostgresUrl(store)) return store;
  const got = store === undefined ? 'none was given' : `got ${JSON.stringify(store)}`;
  throw new Error(`playhead cluster needs --store postgres://... (${got}): its nodes share one PostgreSQL database, and no local database is assumed; name the database and a schema, e.g. --store 'postgres://postgres@127.0.0.1:5432/test?schema=playhead_cluster'`);
}

/** Resolves with the exit code once every node has stopped. */
export async function runCluster(options: ClusterOptions): Promise<number> {
  const store = requirePostgresStore(options.store);
  if (options.port !== 0 && options.port + options.nodes - 1 > MAX_PORT) {
    throw new RangeError(`--port ${options.port} with --nodes ${options.nodes} needs ports up to ${options.port + options.nodes - 1}, over ${MAX_PORT}`);
  }
  const nodes = Array.from({ length: options.nodes }, (_, i) => startNode(`n${i + 1}`, options.port === 0 ? 0 : options.port + i, store, options));
  let stopping = false;
  let exitCode = 0;
  const killTimers: TimerHandle[] = [];
  const stopAll = () => {
    if (stopping) return;
    stopping = true;
    for (const { child } of nodes) {
      if (child.exitCode !== null || child.signalCode !== null) continue;
      child.kill('SIGTERM');
      // A node stuck in shutdown must not keep the cluster up.
      killTimers.push(systemClock.setTimer(STOP_GRACE_MS, () => child.kill('SIGKILL')));
    }
  };
  const onSignal = () => stopAll();
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  const exits = nodes.map(async ({ id, child }) => {
    const [code, signal] = (await once(child, 'exit')) as [number | null, NodeJS.Signals | null];
    if (stopping) return;
    console.error(`[cluster] ${id} exited on its own (${signal ?? `code ${code}`}); stopping the other nodes`);
    exitCode = 1;
    stopAll();
  });
  try {
    const urls = await Promise.all(nodes.map((node) => node.listening));
    console.log(`[cluster] ${nodes.length} nodes listening (store ${store}, bus ${options.bus}): ${nodes.map((node, i) => `${node.id} ${urls[i]} pid ${node.child.pid}`).join(', ')}`);
  } catch {
    // A node exited before listening: its own lines said why, and the exit handler is stopping the others.
  }
  await Promise.all(exits);
  for (const timer of killTimers) timer.cancel();
  process.off('SIGINT', onSignal);
  process.off('SIGTERM', onSignal);
  return exitCode;
}

function startNode(id: string, port: number, store: string, options: ClusterOptions): Node {
  const args = [
    'serve', '--node-id', id, '--port', String(port), '--scene-udp-port', String(port),
    '--host', options.host, '--store', store, '--bus', options.bus, '--log-level', options.logLevel, ...(options.serveArgs ?? []),
  ];
  // The same node and loader flags as this process (tsx in development), the same entry script.
  const child = spawn(process.execPath, [...process.execArgv, process.argv[1] as string, ...args], {
    // Own process group: a terminal's Ctrl-C reaches only this process, which stops each node once.
    detached: true,
    // The IPC channel lets a node see this process die (serve stops on 'disconnect'), so no node outlives it.
    stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
  });
  const listening = new Promise<string>((resolve, reject) => {
    child.once('exit', () => reject(new Error(`${id} exited before listening`)));
    prefixLines(child, 'stdout', id, process.stdout, (line) => {
      const match = LISTENING.exec(line);
      if (match !== null) resolve(match[1] as string);
    });
  });
  // Handled: the exit watcher in runCluster reports a node that died.
  listening.catch(() => undefined);
  prefixLines(child, 'stderr', id, process.stderr);
  return { id, child, listening };
}

function prefixLines(child: ChildProcess, stream: 'stdout' | 'stderr', id: string, out: Writable, onLine?: (line: string) => void): void {
  const input = child[stream];
  if (input === null) return;
  createInterface({ input, crlfDelay: Infinity }).on('line', (line) => {
    out.write(`[${id}] ${line}\n`);
    onLine?.(line);
  });
}
