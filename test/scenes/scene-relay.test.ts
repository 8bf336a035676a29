/**
 * Scenes across nodes: two registries on one store, each with its own bus
 * connection (NATS, then PostgreSQL LISTEN/NOTIFY), as two nodes are. A scene made on one node is known to the
 * other at once; an update that arrives on one node reaches the devices of
 * the other, and is stored once, by the node it arrived on.
 */
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { describe, it, type TestContext } from 'node:test';
import { VirtualClock } from '../../src/core/virtual-clock.js';
import type { LiveBus } from '../../src/live/live-bus.js';
import { NatsBus } from '../../src/live/nats/nats-bus.js';
import { PostgresBus } from '../../src/live/postgres/postgres-bus.js';
import { PostgresLeases } from '../../src/live/postgres/postgres-leases.js';
import { SceneRegistry } from '../../src/scenes/scene-registry.js';
import { sceneChannel, snapshotChannel } from '../../src/scenes/scene-channels.js';
import type { StoredEvent } from '../../src/core/event.js';
import { openStore } from '../../src/store/open-store.js';
import { POSTGRES_TEST_URL, serviceSkip } from '../support/services.js';
import { RecordingTransport, T0 } from './scene-harness.js';

const NATS_URL = process.env.PLAYHEAD_TEST_NATS ?? 'nats://127.0.0.1:4222';
const BUSES = [
  { name: 'NATS', skip: (await serviceSkip('NATS', NATS_URL.replace('nats:', 'http:'))) || (await serviceSkip('PostgreSQL', POSTGRES_TEST_URL)), connect: (prefix: string): Promise<LiveBus> => NatsBus.connect({ servers: NATS_URL, subjectPrefix: prefix }) },
  { name: 'PostgreSQL', skip: await serviceSkip('PostgreSQL', POSTGRES_TEST_URL), connect: (prefix: string): Promise<LiveBus> => PostgresBus.connect({ connectionString: POSTGRES_TEST_URL, channelPrefix: prefix }) },
];

/** Lets everything published so far reach the other node and its next loop turn go out. */
async function until(done: () => boolean, turn: () => void): Promise<void> {
  const deadline = Date.now() + 5_000;
  while (!done() && Date.now() < deadline) {
    await new Promise((resolve) => setTimeout(resolve, 10));
    turn();
  }
}

for (const { name: busName, skip, connect } of BUSES) describe(`scenes across nodes, ${busName} bus`, { skip }, () => {
  async function twoNodes(t: TestContext) {
    const store = await openStore('sqlite::memory:');
    t.after(() => store.close());
    const prefix = `scenes${randomUUID().replaceAll('-', '').slice(0, 16)}`;
    let nodes = 0;
    const node = async () => {
      const clock = new VirtualClock(T0);
      const bus = await connect(prefix);
      // Real leases (their retry timer on this node's virtual clock): one node writes each scene's snapshots.
      const leases = new PostgresLeases({ connectionString: POSTGRES_TEST_URL, namespace: prefix, nodeId: `n${(nodes += 1)}`, clock });
      const registry = new SceneRegistry({ reader: store, writer: store, bus, clock, leases });
      t.after(async () => {
        await registry.close();
        await leases.close();
        await bus.close();
      });
      return { clock, bus, registry, leases };
    };
    const a = await node();
    const b = await node();
    await a.registry.load();
    await b.registry.load();
    await a.registry.createScene('lab');
    await a.registry.createObject('lab', { name: 'cube1' });
    const deadline = Date.now() + 5_000;
    while (b.registry.list()[0]?.objects.has('cube1') !== true && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 10));
    assert.ok(b.registry.scene('lab').objects.has('cube1'), 'the scene and its object made on a are known to b');
    return { store, a, b };
  }

  it("delivers an update that arrived on one node to the other node's devices, stored once", async (t) => {
    const { store, a, b } = await twoNodes(t);
    const onA = new RecordingTransport('127.0.0.1:9001');
    const onB = new RecordingTransport('127.0.0.1:9002');
    a.registry.registerDevice('lab', onA, { format: 'json' });
    b.registry.registerDevice('lab', onB, { format: 'json' });
    if (b.bus instanceof NatsBus) await b.bus.flush(); // b's subscription is at the server
    onA.payloads.length = 0;
    onB.payloads.length = 0;

    a.registry.move('lab', 'cube1', { location: [1, 2, 3] }, T0 + 5);
    a.clock.advance(0);
    assert.deepEqual(onA.jsonMessages().map((m) => m.location), [[1, 2, 3]], 'the local device, at the end of the turn');
    await until(() => onB.payloads.length > 0, () => b.clock.advance(0));
    assert.deepEqual(onB.jsonMessages(), [{ type: 'transform', scene: 'lab', object: 'cube1', seq: 1, time: T0 + 5, location: [1, 2, 3], rotation: [0, 0, 0, 1], scale: [1, 1, 1] }]);

    await a.registry.flush();
    await b.registry.flush();
    const stored: StoredEvent[] = [];
    for await (const page of store.scan({ channel: sceneChannel('lab'), order: 'asc' })) stored.push(...page);
    assert.equal(stored.length, 1, 'stored by the node it arrived on only');
    // The snapshot lease's first attempt is made in the background when a node learns the scene: let it end on both.
    await a.leases.settled();
    await b.leases.settled();
    await a.registry.snapshot();
    await b.registry.snapshot();
    const snapshots = await store.getChannel(snapshotChannel('lab'));
    assert.equal(snapshots?.count, 1, 'one snapshot: only the lease holder writes them, whichever node the update arrived on');
  });

  it('carries a turn of many updates in messages small enough for either bus', async (t) => {
    const { a, b } = await twoNodes(t);
    const names = Array.from({ length: 120 }, (_, i) => `o${i}`);
    for (const name of names) await a.registry.createObject('lab', { name });
    await until(() => b.registry.scene('lab').objects.size === names.length + 1, () => undefined);
    const onB = new RecordingTransport('127.0.0.1:9102');
    b.registry.registerDevice('lab', onB, { format: 'json' });
    if (b.bus instanceof NatsBus) await b.bus.flush();
    onB.payloads.length = 0;
    for (const [i, name] of names.entries()) a.registry.move('lab', name, { location: [i, 0, 0] }, T0 + 10);
    a.clock.advance(0);
    await until(() => onB.jsonMessages().length >= names.length, () => b.clock.advance(0));
    assert.deepEqual(onB.jsonMessages().map((m) => m.object).sort(), [...names].sort(), 'all 120 updates of the turn, none lost to a payload limit');
  });
});
