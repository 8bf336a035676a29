/** Test doubles for the scene domain: a transport that records payloads, and datagram builders. */
import type { TestContext } from 'node:test';
import { signBinary, signJson } from '../../src/scenes/datagram-mac.js';
import { FLAG_SIGNED, HEADER_BYTES, RECORD_BYTES, recordView, writeHeader, writeRecord } from '../../src/scenes/scene-datagram.js';
import { SceneRegistry, type SceneRegistryConfig } from '../../src/scenes/scene-registry.js';
import type { SceneTransport } from '../../src/scenes/scene-transport.js';
import { VirtualClock } from '../../src/core/virtual-clock.js';
import type { EventStore } from '../../src/store/event-store.js';
import { openStore } from '../../src/store/open-store.js';

export const T0 = Date.UTC(2026, 0, 1);

export class RecordingTransport implements SceneTransport {
  readonly kind: string;
  readonly address: string;
  readonly maxPayloadBytes = 1_200;
  readonly heartbeats: boolean;
  readonly payloads: Buffer[] = [];
  open = true;
  closedReason: string | undefined;

  constructor(address: string, kind = 'udp') {
    this.address = address;
    this.kind = kind;
    this.heartbeats = kind === 'udp';
  }

  writable(): boolean {
    return this.open;
  }

  send(payload: Buffer): void {
    this.payloads.push(Buffer.from(payload));
  }

  closed(reason: string): void {
    this.closedReason = reason;
  }

  /** Every JSON transform message received, in order. */
  jsonMessages(): Record<string, unknown>[] {
    return this.payloads.flatMap((payload) => JSON.parse(payload.toString()) as Record<string, unknown>[]);
  }
}

export interface Harness {
  readonly clock: VirtualClock;
  readonly store: EventStore;
  readonly registry: SceneRegistry;
}

export async function startRegistry(t: TestContext, config: Partial<SceneRegistryConfig> = {}, store?: EventStore): Promise<Harness> {
  const clock = new VirtualClock(T0);
  const opened = store ?? (await openStore('sqlite::memory:'));
  const registry = new SceneRegistry({ reader: opened, writer: opened, clock, config });
  await registry.load();
  t.after(async () => {
    await registry.close();
    if (store === undefined) await opened.close();
  });
  return { clock, store: opened, registry };
}

export interface RecordInput {
  readonly object: number;
  readonly seq: number;
  readonly time?: number;
  readonly floats?: readonly number[];
}

export const IDENTITY = [0, 0, 0, 0, 0, 0, 1, 1, 1, 1];

export function binaryDatagram(sceneIndex: number, deviceIndex: number, records: readonly RecordInput[], secret?: string): Buffer {
  const bytes = Buffer.alloc(HEADER_BYTES + records.length * RECORD_BYTES);
  writeHeader(bytes, secret === undefined ? 0 : FLAG_SIGNED, sceneIndex, deviceIndex);
  const view = recordView(bytes);
  records.forEach((record, i) => writeRecord(view, HEADER_BYTES + i * RECORD_BYTES, record.object, record.seq, record.time ?? 0, record.floats ?? IDENTITY));
  return secret === undefined ? bytes : signBinary(Buffer.from(secret), bytes);
}

export function jsonDatagram(value: unknown, secret?: string): Buffer {
  const text = JSON.stringify(value);
  return secret === undefined ? Buffer.from(text) : signJson(Buffer.from(secret), text);
}
