/**
 * The worker thread of WorkerAppender: opens its own connection to the
 * store named by `workerData.storeUrl` and appends the batches it is sent,
 * in order. Batches of one channel waiting together are appended as one
 * (group commit: one transaction, one fsync), up to the store's batch limit.
 */
import { setPriority } from 'node:os';
import { parentPort, receiveMessageOnPort, workerData } from 'node:worker_threads';
import type { NewEvent } from '../core/event.js';
import type { EventStore } from '../store/event-store.js';
import { openStore } from '../store/open-store.js';
import { decodeRequest, type AppendRequest, type AppenderReply, type AppenderRequest } from './append-batch-message.js';

if (parentPort === null) throw new Error('scene-append-worker.ts runs as a worker thread (WorkerAppender starts it)');
const port = parentPort;
const reply = (message: AppenderReply) => port.postMessage(message);
const queue: AppenderRequest[] = [];
/** Bounds the name cache (a scene holds up to 100,000 objects by default). */
const MAX_CACHED_NAMES = 200_000;
let running = false;

/** Nice level of this thread: on a busy machine storing yields the CPU to delivery and catches up in bigger batches. */
const STORE_THREAD_NICE = 10;
try {
  // On Linux a priority set with pid 0 applies to the calling thread only (setpriority(2)): delivery keeps its own.
  setPriority(STORE_THREAD_NICE);
} catch {
  // Not permitted or not supported here: the thread then runs at the process's priority, which is still correct.
}

let store: EventStore;
try {
  store = await openStore((workerData as { storeUrl: string }).storeUrl);
} catch (error) {
  reply({ op: 'fatal', message: error instanceof Error ? error.message : String(error) });
  process.exit(1);
}
reply({ op: 'ready' });

port.on('message', (message: AppenderRequest) => {
  queue.push(message);
  void pump();
});

async function pump(): Promise<void> {
  if (running) return;
  running = true;
  try {
    for (;;) {
      // Whatever else arrived meanwhile joins this round, so it can share a transaction.
      for (let next = receiveMessageOnPort(port); next !== undefined; next = receiveMessageOnPort(port)) queue.push(next.message as AppenderRequest);
      const first = queue.shift();
      if (first === undefined) return;
      if (first.op === 'close') {
        await store.close();
        reply({ op: 'closed' });
        port.close();
        return;
      }
      const group: AppendRequest[] = [first];
      let rows = first.rows;
      while (queue[0]?.op === 'append' && queue[0].channel === first.channel && rows + queue[0].rows <= store.capabilities.maxBatchRows) {
        const next = queue.shift() as AppendRequest;
        group.push(next);
        rows += next.rows;
      }
      await appendGroup(first.channel, group);
    }
  } finally {
    running = false;
  }
}

/** Object names as JSON, kept: a scene has few names and every update embeds one. */
const namesJson = new Map<string, string>();
function nameJson(name: string): string {
  let json = namesJson.get(name);
  if (json === undefined) {
    json = JSON.stringify(name);
    if (namesJson.size >= MAX_CACHED_NAMES) namesJson.clear();
    namesJson.set(name, json);
  }
  return json;
}

async function appendGroup(channel: string, group: readonly AppendRequest[]): Promise<void> {
  const events: NewEvent[] = [];
  for (const request of group) decodeRequest(request, events, nameJson);
  try {
    const result = await store.append(channel, events);
    // Events carry no id, so none is a duplicate: seqs follow the order of the batches.
    let seq = result.firstSeq;
    for (const request of group) {
      const values = request.updates?.values;
      // The numbers go back (transferred) so the delivery thread can publish what was stored.
      port.postMessage({ op: 'appended', id: request.id, accepted: request.rows, firstSeq: seq, values } satisfies AppenderReply, values === undefined ? [] : [values.buffer]);
      if (seq !== null) seq += request.rows;
    }
  } catch (error) {
    const code = typeof (error as { code?: unknown }).code === 'string' ? (error as { code: string }).code : null;
    const message = error instanceof Error ? error.message : String(error);
    for (const request of group) reply({ op: 'failed', id: request.id, code, message });
  }
}
