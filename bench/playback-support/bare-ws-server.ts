/**
 * The peer of the concurrent-replay figure: a bare `ws` server that plays
 * the same window with no store, no framework and no session machinery, in
 * a process of its own:
 *   node --import tsx bench/playback-support/bare-ws-server.ts --seconds S [--rate 100]
 * Every event's frame is encoded once at start and shared by all sockets
 * (DESIGN fan-out: frame once); one timer serves every session, and each
 * turn sends whatever is due, never before (due times from each session's
 * anchor, re-armed on performance.now()). It answers `play` the way the
 * server does as far as replay-client.ts looks: a `playing` state, the
 * events, an `ended` state. Prints {"port":N}, then, once every session has
 * ended, its own load over the replay (process-load.ts); runs until stdin
 * closes.
 */
import { parseArgs } from 'node:util';
import { WebSocketServer, type WebSocket } from 'ws';
import { startLoadMonitor, type LoadMonitor } from './process-load.js';
import { REPLAY_EPOCH_MS } from './replay-fixture.js';

interface BareSession {
  readonly socket: WebSocket;
  readonly anchorMs: number;
  readonly endTs: number;
  next: number;
}

const { values } = parseArgs({
  options: { seconds: { type: 'string' }, rate: { type: 'string', default: '100' } },
  strict: true,
});
if (values.seconds === undefined) throw new Error('--seconds is required');
const rate = Number(values.rate);
const count = Number(values.seconds) * rate;
const gapMs = 1_000 / rate;
const tsOf = (i: number): number => REPLAY_EPOCH_MS + Math.round(i * gapMs);
const frames = Array.from({ length: count }, (_, i) => {
  const data = { i, sensor: `s-${String(i % 16).padStart(3, '0')}`, value: Math.round(Math.sin(i / 50) * 1000) / 10, unit: 'C' };
  return JSON.stringify({ type: 'event', channel: 'bare', seq: i + 1, ts: tsOf(i), time: new Date(tsOf(i)).toISOString(), id: null, data });
});
const sessions = new Set<BareSession>();
/** Cancels the armed wake-up, if any. */
let cancelArmed: (() => void) | undefined;
let load: LoadMonitor | undefined;

function state(status: string, positionMs: number, endTs: number): string {
  return JSON.stringify({
    type: 'state', status, position: positionMs, time: new Date(positionMs).toISOString(), speed: 1, loop: false, start: REPLAY_EPOCH_MS, end: endTs, iteration: 0,
  });
}

function turn(): void {
  cancelArmed = undefined;
  const nowMs = performance.now();
  let nextDueMs = Number.POSITIVE_INFINITY;
  for (const session of sessions) {
    while (session.next < count && tsOf(session.next) < session.endTs && session.anchorMs + (tsOf(session.next) - REPLAY_EPOCH_MS) <= nowMs) {
      session.socket.send(frames[session.next] as string);
      session.next += 1;
    }
    const endDueMs = session.anchorMs + (session.endTs - REPLAY_EPOCH_MS);
    const pending = session.next < count && tsOf(session.next) < session.endTs;
    if (!pending && nowMs >= endDueMs) {
      session.socket.send(state('ended', session.endTs, session.endTs));
      sessions.delete(session);
      if (sessions.size === 0) reportLoad();
      continue;
    }
    nextDueMs = Math.min(nextDueMs, pending ? session.anchorMs + (tsOf(session.next) - REPLAY_EPOCH_MS) : endDueMs);
  }
  arm(nextDueMs);
}

function arm(dueMs: number): void {
  if (cancelArmed !== undefined || dueMs === Number.POSITIVE_INFINITY) return;
  const delayMs = dueMs - performance.now();
  if (delayMs < 1) {
    const immediate = setImmediate(turn);
    cancelArmed = () => clearImmediate(immediate);
  } else {
    const timeout = setTimeout(turn, Math.floor(delayMs));
    cancelArmed = () => clearTimeout(timeout);
  }
}

/** Once every session has ended: this process's load over the replay, as one JSON line. */
function reportLoad(): void {
  if (load === undefined) return;
  process.stdout.write(`${JSON.stringify(load.stop())}\n`);
  load = undefined;
}

const server = new WebSocketServer({ host: '127.0.0.1', port: 0, perMessageDeflate: false, backlog: 2_048 });
server.on('connection', (socket) => {
  socket.on('message', (raw) => {
    const message = JSON.parse(raw.toString()) as { action?: string; end?: number };
    if (message.action !== 'play') return;
    const endTs = Number(message.end ?? tsOf(count));
    const session: BareSession = { socket, anchorMs: performance.now(), endTs, next: 0 };
    socket.send(state('playing', REPLAY_EPOCH_MS, endTs));
    load ??= startLoadMonitor();
    sessions.add(session);
    // The new session's first event is due now: wake for it.
    cancelArmed?.();
    cancelArmed = undefined;
    arm(session.anchorMs);
  });
  socket.on('close', () => {
    for (const session of sessions) if (session.socket === socket) sessions.delete(session);
  });
});
server.once('listening', () => {
  const address = server.address();
  process.stdout.write(`${JSON.stringify({ port: typeof address === 'object' && address !== null ? address.port : 0 })}\n`);
});
process.stdin.resume();
process.stdin.once('end', () => process.exit(0));
