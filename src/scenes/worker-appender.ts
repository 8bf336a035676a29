/**
 * Scene batches appended by a worker thread with its own store connection
 * (scene-append-worker.ts): the delivery thread only posts each batch (an
 * update batch's numbers as a transferred buffer, which comes back with the
 * answer; ready events' times and their JSON as one string) and counts the
 * reply, so an append, an fsync or a slow database never holds up delivery.
 * Needs a store another connection can reach: a SQLite file or a database
 * server, never `sqlite::memory:`.
 */
import { Worker } from 'node:worker_threads';
import type { NewEvent } from '../core/event.js';
import { PlayheadError, type ErrorCode } from '../core/errors.js';
import { eventsRequest, updatesRequest, type AppendRequest, type AppenderReply, type AppenderRequest } from './append-batch-message.js';
import { storedUpdates, type AppendedBatch, type SceneAppender } from './scene-appender.js';
import type { UpdateBatch } from './update-batch.js';

interface InFlight {
  readonly channel: string;
  /** The updates (for the bus), or undefined for ready events. */
  readonly batch: UpdateBatch | undefined;
  readonly resolve: (batch: AppendedBatch) => void;
  readonly reject: (error: Error) => void;
}

const FROM_SOURCE = import.meta.url.endsWith('.ts');
const WORKER_URL = new URL(`./scene-append-worker${FROM_SOURCE ? '.ts' : '.js'}`, import.meta.url);

export class WorkerAppender implements SceneAppender {
  readonly #storeUrl: string;
  readonly #inFlight = new Map<number, InFlight>();
  #worker: Worker;
  #nextId = 1;
  #exited = false;
  #closing: Promise<void> | undefined = undefined;

  private constructor(storeUrl: string, worker: Worker) {
    this.#storeUrl = storeUrl;
    this.#worker = worker;
  }

  /** Starts the worker; rejects with `store_unavailable` when it cannot open the store. */
  static async start(storeUrl: string): Promise<WorkerAppender> {
    if (storeUrl.includes(':memory:')) throw new TypeError('a worker thread cannot reach an in-memory store: append in this thread (WriterAppender)');
    const appender = new WorkerAppender(storeUrl, spawn(storeUrl));
    await appender.#attach();
    return appender;
  }

  appendUpdates(channel: string, batch: UpdateBatch): Promise<AppendedBatch> {
    // Transferred, not copied: the worker hands the numbers back with its answer, to publish what was stored.
    return this.#post(batch.length, batch, (id) => updatesRequest(id, channel, batch), channel, [batch.values.buffer]);
  }

  appendEvents(channel: string, events: readonly NewEvent[]): Promise<AppendedBatch> {
    return this.#post(events.length, undefined, (id) => eventsRequest(id, channel, events), channel, []);
  }

  close(): Promise<void> {
    this.#closing ??= new Promise<void>((resolve) => {
      if (this.#exited) return resolve();
      this.#worker.once('exit', () => resolve());
      this.#send({ op: 'close' });
      this.#worker.ref();
    });
    return this.#closing;
  }

  #post(rows: number, batch: UpdateBatch | undefined, request: (id: number) => AppendRequest, channel: string, transfer: ArrayBuffer[]): Promise<AppendedBatch> {
    if (this.#closing !== undefined) return Promise.reject(new Error('the scene appender is closed'));
    if (rows === 0) return Promise.resolve({ accepted: 0, stored: [] });
    const id = this.#nextId;
    this.#nextId += 1;
    return new Promise<AppendedBatch>((resolve, reject) => {
      this.#inFlight.set(id, { channel, batch, resolve, reject });
      // Held while a reply is due, so a process that awaits a flush does not exit under it.
      if (this.#inFlight.size === 1) this.#worker.ref();
      this.#worker.postMessage(request(id), transfer);
    });
  }

  #send(message: AppenderRequest): void {
    this.#worker.postMessage(message);
  }

  /** Waits for the worker's store, then routes its replies. */
  #attach(): Promise<void> {
    const worker = this.#worker;
    let ready = false;
    return new Promise<void>((resolve, reject) => {
      worker.on('message', (reply: AppenderReply) => {
        switch (reply.op) {
          case 'ready':
            ready = true;
            if (this.#inFlight.size === 0) worker.unref();
            resolve();
            return;
          case 'fatal':
            reject(new PlayheadError('store_unavailable', `the scene appender could not open ${this.#storeUrl}: ${reply.message}`));
            return;
          case 'appended': {
            const flight = this.#settle(reply.id);
            if (flight === undefined) return;
            const batch = flight.batch === undefined || reply.values === undefined ? undefined : flight.batch.withValues(reply.values);
            const stored = batch === undefined || reply.firstSeq === null ? [] : storedUpdates(flight.channel, batch, reply.firstSeq, reply.accepted);
            flight.resolve({ accepted: reply.accepted, stored });
            return;
          }
          case 'failed': {
            const error = reply.code === 'store_unavailable' ? new PlayheadError(reply.code as ErrorCode, reply.message) : new Error(reply.message);
            this.#settle(reply.id)?.reject(error);
            return;
          }
          case 'closed':
            return;
          default:
            reply satisfies never;
        }
      });
      // 'error' (an uncaught exception: the thread is gone) comes before 'exit'; whichever comes first replaces it.
      worker.on('error', (error) => {
        reject(error);
        this.#lost(worker, error, ready);
      });
      worker.on('exit', () => this.#lost(worker, new Error('the scene appender thread stopped'), ready));
    });
  }

  /**
   * The thread `worker` stopped: what it had in flight fails (counted as
   * store errors). A worker that crashed after opening its store is
   * replaced at once, so a batch posted next goes to a live thread; one
   * that could not open it is not, or it would be restarted in a loop.
   */
  #lost(worker: Worker, error: Error, ready: boolean): void {
    if (worker !== this.#worker || this.#exited) return;
    this.#exited = true;
    this.#failAll(error);
    if (this.#closing === undefined && ready) this.#respawn();
  }

  #settle(id: number): InFlight | undefined {
    const flight = this.#inFlight.get(id);
    this.#inFlight.delete(id);
    if (this.#inFlight.size === 0 && this.#closing === undefined) this.#worker.unref();
    return flight;
  }

  #failAll(error: Error): void {
    const flights = [...this.#inFlight.values()];
    this.#inFlight.clear();
    for (const flight of flights) flight.reject(error);
  }

  #respawn(): void {
    this.#worker = spawn(this.#storeUrl);
    this.#exited = false;
    this.#attach().catch(() => undefined);
  }
}

function spawn(storeUrl: string): Worker {
  if (!FROM_SOURCE) return new Worker(WORKER_URL, { workerData: { storeUrl } });
  // Run from the .ts sources (tsx: tests, benchmarks): Node 20 does not give a worker the loader hooks of --import, so it registers tsx itself.
  const tsx = import.meta.resolve('tsx/esm/api');
  const boot = `import(${JSON.stringify(tsx)}).then((tsx) => { tsx.register(); return import(${JSON.stringify(WORKER_URL.href)}); })`;
  return new Worker(boot, { eval: true, workerData: { storeUrl } });
}
