/**
 * The replay-timing client, run as its own process so its CPU is not the
 * server's event loop:
 *   node --import tsx bench/playback-support/replay-client.ts --url WS_URL
 *     --sessions N --start TS --end TS --expected E --out PREFIX [--speed 1] [--grace-ms 10000] [--stagger-ms 0]
 * Opens N WebSockets (each its own session), prints {"ready":...}, waits for
 * "go" on stdin, sends every session
 * {"action":"play","start":TS,"end":TS,"speed":S} (all at once, or spread
 * evenly over `stagger-ms`), and stamps each message
 * with its receive wall time before parsing it. Once every session has
 * reported `ended` (or the deadline passed) it writes the errors of every
 * event under each anchor (timing-errors.ts) to PREFIX-{sent,least,state,first}.f64
 * and prints one JSON summary line.
 */
import { createInterface } from 'node:readline';
import { parseArgs } from 'node:util';
import WebSocket from 'ws';
import { startLoadMonitor } from './process-load.js';
import { writeSamples } from './sample-file.js';
import { ANCHOR_KINDS, anchorWallMs, appendErrors, type AnchorKind, type ReplayWindow } from './timing-errors.js';
import { sleepUntilWallMs, wallNowMs } from './wall-clock.js';

interface ServerMessage {
  readonly type: string;
  readonly ts?: number;
  readonly seq?: number;
  readonly status?: string;
  readonly position?: number;
  readonly code?: string;
  readonly message?: string;
}

class SessionRecord {
  readonly socket: WebSocket;
  readonly receiveWallMs: Float64Array;
  readonly tsMs: Float64Array;
  count = 0;
  /** Events beyond the expected count (a replay must send exactly the window). */
  extra = 0;
  outOfOrder = 0;
  lastSeq = 0;
  played = false;
  playSentWallMs: number | undefined = undefined;
  stateWallMs: number | undefined = undefined;
  statePositionMs: number | undefined = undefined;
  ended = false;
  errors = 0;

  constructor(socket: WebSocket, expected: number) {
    this.socket = socket;
    this.receiveWallMs = new Float64Array(expected);
    this.tsMs = new Float64Array(expected);
  }
}

const CONNECT_CONCURRENCY = 64;
const CONNECT_TIMEOUT_MS = 60_000;

const { values } = parseArgs({
  options: {
    url: { type: 'string' },
    sessions: { type: 'string', default: '1' },
    start: { type: 'string' },
    end: { type: 'string' },
    speed: { type: 'string', default: '1' },
    expected: { type: 'string' },
    out: { type: 'string' },
    'grace-ms': { type: 'string', default: '10000' },
    'stagger-ms': { type: 'string', default: '0' },
  },
  strict: true,
});
const url = required('url', values.url);
const sessions = Number(values.sessions);
const startTs = Number(required('start', values.start));
const endTs = Number(required('end', values.end));
const speed = Number(values.speed);
const expected = Number(required('expected', values.expected));
const outPrefix = required('out', values.out);
const graceMs = Number(values['grace-ms']);
const staggerMs = Number(values['stagger-ms']);
const window: ReplayWindow = { startTs, speed };

const records: SessionRecord[] = [];
let endedCount = 0;
let firstError: string | undefined;
let onAllEnded: () => void = () => {};

function onMessage(record: SessionRecord, data: WebSocket.RawData): void {
  const at = wallNowMs();
  const message = JSON.parse(data.toString()) as ServerMessage;
  if (message.type === 'event') {
    if (!record.played) return;
    if ((message.seq ?? 0) <= record.lastSeq) record.outOfOrder += 1;
    record.lastSeq = message.seq ?? 0;
    if (record.count >= expected) {
      record.extra += 1;
      return;
    }
    record.receiveWallMs[record.count] = at;
    record.tsMs[record.count] = message.ts ?? Number.NaN;
    record.count += 1;
  } else if (message.type === 'state') {
    if (!record.played) return;
    if (message.status === 'playing' && record.stateWallMs === undefined) {
      record.stateWallMs = at;
      record.statePositionMs = message.position;
    }
    if (message.status === 'ended' && !record.ended) {
      record.ended = true;
      endedCount += 1;
      if (endedCount === records.length) onAllEnded();
    }
  } else if (message.type === 'error') {
    record.errors += 1;
    firstError ??= `${message.code ?? '?'}: ${message.message ?? ''}`;
  }
}

async function connectOne(): Promise<SessionRecord> {
  const socket = new WebSocket(url, { perMessageDeflate: false });
  const record = new SessionRecord(socket, expected);
  socket.on('message', (data) => onMessage(record, data));
  await new Promise<void>((resolve, reject) => {
    socket.once('open', () => resolve());
    socket.once('error', reject);
  });
  socket.on('error', (error) => {
    record.errors += 1;
    firstError ??= `socket: ${error.message}`;
  });
  return record;
}

async function connectAll(): Promise<void> {
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < sessions) {
      next += 1;
      records.push(await connectOne());
    }
  };
  await Promise.all(Array.from({ length: Math.min(CONNECT_CONCURRENCY, sessions) }, worker));
}

function waitForGo(): Promise<void> {
  return new Promise((resolve, reject) => {
    const lines = createInterface({ input: process.stdin });
    lines.on('line', (line) => {
      if (line.trim() !== 'go') return;
      resolve();
      lines.close();
    });
    lines.once('close', () => reject(new Error('stdin closed before "go"')));
  });
}

function required(name: string, value: string | undefined): string {
  if (value === undefined) throw new Error(`--${name} is required`);
  return value;
}

async function main(): Promise<void> {
  const connectStartMs = wallNowMs();
  const connectTimer = setTimeout(() => {
    process.stderr.write(`replay client: ${records.length}/${sessions} connected after ${CONNECT_TIMEOUT_MS} ms, giving up\n`);
    process.exit(2);
  }, CONNECT_TIMEOUT_MS);
  await connectAll();
  clearTimeout(connectTimer);
  process.stdout.write(`${JSON.stringify({ ready: true, connected: records.length, connectMs: Math.round(wallNowMs() - connectStartMs) })}\n`);
  await waitForGo();

  const load = startLoadMonitor();
  const play = JSON.stringify({ action: 'play', start: startTs, end: endTs, speed });
  const goWallMs = wallNowMs();
  for (const [index, record] of records.entries()) {
    if (staggerMs > 0) await sleepUntilWallMs(goWallMs + (index * staggerMs) / records.length);
    record.played = true;
    record.playSentWallMs = wallNowMs();
    record.socket.send(play);
  }
  const deadlineMs = (endTs - startTs) / Math.abs(speed) + graceMs;
  const timedOut = await new Promise<boolean>((resolve) => {
    const timer = setTimeout(() => resolve(true), deadlineMs);
    onAllEnded = () => {
      clearTimeout(timer);
      resolve(false);
    };
  });
  const processLoad = load.stop();
  for (const record of records) record.socket.terminate();

  const samples: Record<AnchorKind, number[]> = { sent: [], least: [], state: [], first: [] };
  let noState = 0;
  for (const record of records) {
    if (record.stateWallMs === undefined) noState += 1;
    for (const kind of ANCHOR_KINDS) appendErrors(record, window, anchorWallMs(kind, record, window, record), samples[kind]);
  }
  for (const kind of ANCHOR_KINDS) writeSamples(`${outPrefix}-${kind}.f64`, samples[kind]);
  const sum = (pick: (record: SessionRecord) => number): number => records.reduce((total, record) => total + pick(record), 0);
  process.stdout.write(`${JSON.stringify({
    sessions: records.length,
    received: sum((record) => record.count),
    expected: expected * sessions,
    extra: sum((record) => record.extra),
    outOfOrder: sum((record) => record.outOfOrder),
    ended: endedCount,
    noState,
    errors: sum((record) => record.errors),
    firstError: firstError ?? null,
    timedOut,
    ...processLoad,
  })}\n`);
}

main().then(() => process.exit(0), (error: unknown) => {
  process.stderr.write(`replay client failed: ${error instanceof Error ? error.stack : String(error)}\n`);
  process.exit(1);
});
