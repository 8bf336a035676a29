/**
 * The producer and the subscriber of the server figure, in one process (so
 * both read one clock) and apart from the server (so its CPU is not the
 * server's event loop):
 *   node --import tsx bench/views-support/views-client.ts --base http://127.0.0.1:PORT
 *     [--copies 54] [--batch-size 1000] [--concurrency 4] [--budget-seconds 30]
 * Follows top_editors on /v1/ws, then POSTs the replay as NDJSON batches
 * with `concurrency` requests in flight, starting no new one after the
 * budget (so the figure covers the first batches of the replay). Each
 * delta is applied to the rows held here and logged. At the end the batches
 * are put in commit order (their acks' firstSeq) and the expected rows after
 * each are computed: a delta whose rows equal those after the j-th committed
 * batch makes batches 1..j visible, and each batch that changed the view
 * gets one latency sample, that delta's arrival minus the batch's POST (and
 * minus its ack). Prints one JSON line.
 */
import { parseArgs } from 'node:util';
import WebSocket from 'ws';
import type { StoredEvent } from '../../src/core/event.js';
import { summarize, type LatencySummary } from '../support/stats.js';
import { positiveInteger } from './views-options.js';
import { MaterializedRows } from './top-editors-engine.js';
import { compareRows, referenceSnapshots, rowsText, type TopEditorRow } from './top-editors.js';
import { WIKIPEDIA_CHANNEL, batchesOf, loadWikipediaReplay } from './wikipedia-replay.js';

export interface ViewsClientResult {
  readonly events: number;
  /** Batches posted (the first ones of the replay; fewer than all when the time budget ran out). */
  readonly requests: number;
  /** First POST to last ack, s. */
  readonly ingestSeconds: number;
  /** First POST to the delta that made the rows final, s. */
  readonly viewSeconds: number;
  readonly deltas: number;
  /** Deltas after which the rows matched no prefix of the committed batches: a wrong delta. */
  readonly unmatchedDeltas: number;
  /** Batches that changed the view, each one latency sample. */
  readonly samples: number;
  readonly fromPostMs: LatencySummary | null;
  readonly fromAckMs: LatencySummary | null;
  /** Samples whose delta arrived before the batch's ack. */
  readonly beforeAck: number;
  readonly finalRowsMatch: boolean;
}

interface AppendReply {
  readonly accepted: number;
  readonly firstSeq: number | null;
}

/** Longest wait for the final delta after the last ack, ms. */
const SETTLE_TIMEOUT_MS = 30_000;

const { values } = parseArgs({
  options: {
    base: { type: 'string' },
    copies: { type: 'string', default: '54' },
    'batch-size': { type: 'string', default: '1000' },
    concurrency: { type: 'string', default: '4' },
    'budget-seconds': { type: 'string', default: '30' },
  },
  strict: true,
});
if (values.base === undefined) throw new Error('--base is required');
const base = values.base;
const replay = loadWikipediaReplay(positiveInteger('copies', values.copies));
const concurrency = positiveInteger('concurrency', values.concurrency);
const budgetMs = positiveInteger('budget-seconds', values['budget-seconds']) * 1_000;
const batches = batchesOf(replay.events.map((event, index) => ({ event, dataJson: replay.dataJson[index] as string })), positiveInteger('batch-size', values['batch-size']));
const bodies = batches.map((batch) => batch
  .map(({ event, dataJson }) => `{"time":"${new Date(event.ts).toISOString()}","id":${JSON.stringify(event.id)},"data":${dataJson}}`)
  .join('\n'));

const postedAt: number[] = [];
const ackedAt: number[] = [];
const firstSeqs: number[] = [];
const deltaLog: { readonly at: number; readonly text: string }[] = [];
/** Set once posting ends: the rows after every posted batch (the same in any commit order). */
const expected: { finalText: string | undefined } = { finalText: undefined };
let finalAt: number | undefined;

const rows = new MaterializedRows();
const socket = new WebSocket(`${base.replace(/^http/, 'ws')}/v1/ws`);
let onFinal: () => void = () => undefined;
const final = new Promise<void>((resolve) => { onFinal = resolve; });
const baseReceived = new Promise<void>((resolve, reject) => {
  socket.once('error', reject);
  socket.on('message', (raw) => {
    const at = performance.now();
    const message = JSON.parse(String(raw)) as { type: string; rows?: TopEditorRow[]; changes?: { row: TopEditorRow; diff: number }[]; message?: string };
    if (message.type === 'error') return reject(new Error(`the server refused the view: ${message.message}`));
    if (message.type === 'base') {
      for (const row of message.rows ?? []) rows.add(row, 1);
      return resolve();
    }
    if (message.type !== 'delta') return;
    for (const { row, diff } of message.changes ?? []) rows.add(row, diff);
    const text = rowsText(rows.rows(compareRows));
    deltaLog.push({ at, text });
    if (text === expected.finalText && finalAt === undefined) {
      finalAt = at;
      onFinal();
    }
  });
});
await new Promise<void>((resolve, reject) => {
  socket.once('open', resolve);
  socket.once('error', reject);
});
socket.send(JSON.stringify({ action: 'view', sub: 'top', view: 'top_editors' }));
await baseReceived;

const url = `${base}/v1/channels/${WIKIPEDIA_CHANNEL}/events`;
let next = 0;
let events = 0;
const started = performance.now();
await Promise.all(Array.from({ length: concurrency }, async () => {
  while (next < bodies.length && performance.now() - started < budgetMs) {
    const index = next;
    next += 1;
    postedAt[index] = performance.now();
    const response = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/x-ndjson' }, body: bodies[index] as string });
    const text = await response.text();
    ackedAt[index] = performance.now();
    if (!response.ok) throw new Error(`POST ${url} answered ${response.status}: ${text.slice(0, 500)}`);
    const reply = JSON.parse(text) as AppendReply;
    events += reply.accepted;
    firstSeqs[index] = reply.firstSeq ?? Number.POSITIVE_INFINITY;
  }
}));
const lastAck = performance.now();
const posted = next;
const commitOrder = Array.from({ length: posted }, (_, index) => index).sort((a, b) => (firstSeqs[a] as number) - (firstSeqs[b] as number));
const references = referenceSnapshots(commitOrder.map((index) => (batches[index] as { event: StoredEvent }[]).map(({ event }) => event)));
expected.finalText = references[references.length - 1] as string;
const reached = deltaLog.find((entry) => entry.text === expected.finalText);
if (reached !== undefined) {
  finalAt = reached.at;
  onFinal();
}
let settleTimer: NodeJS.Timeout | undefined;
const settled = await Promise.race([final.then(() => true), new Promise<boolean>((resolve) => { settleTimer = setTimeout(() => resolve(false), SETTLE_TIMEOUT_MS); })]);
clearTimeout(settleTimer);
socket.close();

// Each distinct expected state and the first committed prefix that reaches it (counts only grow, so a state never comes back).
const prefixOf = new Map<string, number>();
for (const [position, text] of references.entries()) if (!prefixOf.has(text)) prefixOf.set(text, position);
const visibleAt: (number | undefined)[] = new Array<number | undefined>(posted).fill(undefined);
let visibleUpTo = -1;
let unmatchedDeltas = 0;
for (const { at, text } of deltaLog) {
  const position = prefixOf.get(text);
  if (position === undefined) {
    unmatchedDeltas += 1;
    continue;
  }
  for (let next_ = visibleUpTo + 1; next_ <= position; next_ += 1) visibleAt[next_] = at;
  visibleUpTo = Math.max(visibleUpTo, position);
}
const fromPost: number[] = [];
const fromAck: number[] = [];
let beforeAck = 0;
for (const [position, index] of commitOrder.entries()) {
  const at = visibleAt[position];
  const changed = references[position] !== (position === 0 ? '[]' : references[position - 1]);
  if (!changed || at === undefined) continue;
  fromPost.push(at - (postedAt[index] as number));
  fromAck.push(at - (ackedAt[index] as number));
  if (at < (ackedAt[index] as number)) beforeAck += 1;
}
const result: ViewsClientResult = {
  events,
  requests: posted,
  ingestSeconds: (lastAck - started) / 1_000,
  viewSeconds: ((finalAt ?? lastAck) - started) / 1_000,
  deltas: deltaLog.length,
  unmatchedDeltas,
  samples: fromPost.length,
  fromPostMs: fromPost.length === 0 ? null : summarize(fromPost),
  fromAckMs: fromAck.length === 0 ? null : summarize(fromAck),
  beforeAck,
  finalRowsMatch: settled,
};
process.stdout.write(`${JSON.stringify(result)}\n`);
