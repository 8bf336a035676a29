import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { binaryDatagram, jsonDatagram, RecordingTransport, startRegistry, T0 } from './scene-harness.js';

const MOVED = [1, 2, 3, 0, 0, 0, 1, 2, 2, 2];

async function twoDevices(t: Parameters<typeof startRegistry>[0], auth = false) {
  const harness = await startRegistry(t);
  const scene = await harness.registry.createScene('lab', { auth });
  const cube = await harness.registry.createObject('lab', { name: 'cube1' });
  const a = new RecordingTransport('127.0.0.1:9001');
  const b = new RecordingTransport('127.0.0.1:9002');
  const regA = harness.registry.registerDevice('lab', a, { format: 'binary' });
  const regB = harness.registry.registerDevice('lab', b, { format: 'json' });
  return { ...harness, scene, cube, a, b, regA, regB };
}

describe('SceneRegistry fan-out', () => {
  it('sends an update to every other device of the scene, packed per loop turn, never back to its sender', async (t) => {
    const { registry, clock, scene, cube, a, b, regA } = await twoDevices(t);
    registry.receiveDatagram(binaryDatagram(scene.index, regA.device.index, [{ object: cube.index, seq: 1, time: T0 + 5, floats: MOVED }]), '127.0.0.1:9001');
    registry.receiveDatagram(binaryDatagram(scene.index, regA.device.index, [{ object: cube.index, seq: 2, time: T0 + 6, floats: MOVED }]), '127.0.0.1:9001');
    assert.equal(b.payloads.length, 0, 'nothing goes out before the turn ends');
    clock.advance(0);
    assert.equal(b.payloads.length, 1, 'both updates in one datagram');
    assert.deepEqual(b.jsonMessages().map((m) => m.seq), [1, 2]);
    assert.deepEqual(b.jsonMessages()[1], { type: 'transform', scene: 'lab', object: 'cube1', seq: 2, time: T0 + 6, location: [1, 2, 3], rotation: [0, 0, 0, 1], scale: [2, 2, 2] });
    assert.equal(a.payloads.length, 0);
  });

  it('knows an unsigned sender by its registered address', async (t) => {
    const { registry, clock, cube, a, b } = await twoDevices(t);
    registry.receiveDatagram(jsonDatagram({ scene: 'lab', object: 'cube1', location: [4, 5, 6] }), '127.0.0.1:9002');
    clock.advance(0);
    assert.equal(b.payloads.length, 0);
    assert.equal(a.payloads.length, 1);
    assert.deepEqual([...cube.floats.slice(0, 3)], [4, 5, 6]);
  });

  it('keeps the last value of omitted parts', async (t) => {
    const { registry, clock, cube } = await twoDevices(t);
    registry.receiveDatagram(jsonDatagram({ scene: 'lab', object: 'cube1', scale: [3, 3, 3] }), '10.0.0.1:1');
    registry.receiveDatagram(jsonDatagram({ scene: 'lab', object: 'cube1', location: [1, 1, 1] }), '10.0.0.1:1');
    clock.advance(0);
    assert.deepEqual([...cube.floats], [1, 1, 1, 0, 0, 0, 1, 3, 3, 3]);
    assert.equal(cube.seq, 2);
  });

  it('ignores an older or repeated seq and counts it stale', async (t) => {
    const { registry, clock, scene, cube, b } = await twoDevices(t);
    registry.receiveDatagram(jsonDatagram({ scene: 'lab', object: 'cube1', seq: 10, location: [1, 1, 1] }), '10.0.0.1:1');
    registry.receiveDatagram(jsonDatagram({ scene: 'lab', object: 'cube1', seq: 9, location: [9, 9, 9] }), '10.0.0.1:1');
    registry.receiveDatagram(jsonDatagram({ scene: 'lab', object: 'cube1', seq: 10, location: [9, 9, 9] }), '10.0.0.1:1');
    clock.advance(0);
    assert.deepEqual([...cube.floats.slice(0, 3)], [1, 1, 1]);
    assert.deepEqual(b.jsonMessages().map((m) => m.seq), [10]);
    assert.equal(scene.counters.dropped.stale, 2);
  });

  it('sends a new device every current transform at registration', async (t) => {
    const { registry, clock } = await twoDevices(t);
    registry.receiveDatagram(jsonDatagram({ scene: 'lab', object: 'cube1', location: [7, 7, 7] }), '10.0.0.1:1');
    clock.advance(0);
    const late = new RecordingTransport('127.0.0.1:9003');
    registry.registerDevice('lab', late);
    assert.deepEqual(late.jsonMessages().map((m) => m.location), [[7, 7, 7]]);
  });

  it('coalesces a device that cannot keep up to the latest update per object, and never slows the others', async (t) => {
    const { registry, clock, scene, cube, a, b } = await twoDevices(t);
    const other = await registry.createObject('lab', { name: 'other' });
    b.open = false;
    for (let seq = 1; seq <= 50; seq += 1) {
      registry.receiveDatagram(binaryDatagram(scene.index, 0, [{ object: cube.index, seq }, { object: other.index, seq }]), '10.0.0.1:1');
      clock.advance(0);
    }
    assert.equal(a.payloads.length, 50, 'the fast device got every turn');
    assert.equal(b.payloads.length, 0);
    assert.equal(scene.devices.get('dev-2')?.backlog?.size, 2, 'the backlog holds one update per object');
    b.open = true;
    clock.advance(registry.config.drainIntervalMs);
    assert.deepEqual(b.jsonMessages().map((m) => [m.object, m.seq]), [['cube1', 50], ['other', 50]]);
    assert.equal(scene.counters.coalesced, 98);
  });

  it('drops a device that sends no heartbeat for the timeout, and keeps one that does', async (t) => {
    const { registry, clock, scene, a, b, regB } = await twoDevices(t);
    for (let i = 0; i < 4; i += 1) {
      clock.advance(registry.config.deviceTimeoutMs / 4);
      registry.receiveDatagram(jsonDatagram({ scene: 'lab', device: regB.device.id }), '127.0.0.1:9002');
    }
    clock.advance(registry.config.deviceTimeoutMs / 4);
    assert.deepEqual([...scene.devices.keys()], [regB.device.id]);
    assert.equal(a.closedReason, 'no heartbeat for 10000 ms');
    assert.equal(b.closedReason, undefined);
    assert.equal(scene.counters.devicesTimedOut, 1);
    assert.equal(scene.counters.heartbeats, 4);
  });
});

describe('SceneRegistry with auth', () => {
  it('accepts datagrams signed with the device secret and drops forged ones', async (t) => {
    const { registry, clock, scene, cube, a, b, regA, regB } = await twoDevices(t, true);
    registry.receiveDatagram(binaryDatagram(scene.index, regA.device.index, [{ object: cube.index, seq: 1 }], regA.secret), '127.0.0.1:9001');
    registry.receiveDatagram(binaryDatagram(scene.index, regA.device.index, [{ object: cube.index, seq: 2 }], regB.secret), '127.0.0.1:9001');
    registry.receiveDatagram(binaryDatagram(scene.index, regA.device.index, [{ object: cube.index, seq: 3 }]), '127.0.0.1:9001');
    registry.receiveDatagram(jsonDatagram({ scene: 'lab', object: 'cube1', seq: 4, device: regB.device.id }, regB.secret), '127.0.0.1:9002');
    registry.receiveDatagram(jsonDatagram({ scene: 'lab', object: 'cube1', seq: 5, device: regB.device.id }, regA.secret), '127.0.0.1:9002');
    registry.receiveDatagram(jsonDatagram({ scene: 'lab', object: 'cube1', seq: 6, device: regB.device.id }), '127.0.0.1:9002');
    clock.advance(0);
    assert.deepEqual(b.jsonMessages().map((m) => m.seq), [1]);
    assert.equal(a.payloads.length, 1);
    assert.equal(cube.seq, 4);
    assert.equal(scene.counters.dropped.forged, 4);
    assert.equal(scene.counters.accepted, 2);
  });
});

describe('SceneRegistry bad input', () => {
  it('drops and counts malformed, truncated, oversize, NaN and unknown input', async (t) => {
    const { registry, clock, scene, cube, b } = await twoDevices(t);
    const good = binaryDatagram(scene.index, 0, [{ object: cube.index, seq: 1 }]);
    registry.receiveDatagram(Buffer.from('{"scene":"lab",'), '10.0.0.1:1');
    registry.receiveDatagram(Buffer.from('hello'), '10.0.0.1:1');
    registry.receiveDatagram(good.subarray(0, good.length - 3), '10.0.0.1:1');
    registry.receiveDatagram(good.subarray(0, 7), '10.0.0.1:1');
    registry.receiveDatagram(Buffer.alloc(9_000, 0x7b), '10.0.0.1:1');
    registry.receiveDatagram(binaryDatagram(scene.index, 0, [{ object: cube.index, seq: 2, floats: [Number.NaN, 0, 0, 0, 0, 0, 1, 1, 1, 1] }]), '10.0.0.1:1');
    registry.receiveDatagram(Buffer.from('{"scene":"lab","object":"cube1","location":[1e999,0,0]}'), '10.0.0.1:1');
    registry.receiveDatagram(binaryDatagram(99, 0, [{ object: 1, seq: 1 }]), '10.0.0.1:1');
    registry.receiveDatagram(binaryDatagram(scene.index, 0, [{ object: 99, seq: 1 }]), '10.0.0.1:1');
    registry.receiveDatagram(jsonDatagram({ scene: 'nowhere', object: 'cube1' }), '10.0.0.1:1');
    registry.receiveDatagram(jsonDatagram({ scene: 'lab', object: 'ghost' }), '10.0.0.1:1');
    registry.receiveDatagram(jsonDatagram({ scene: 'lab', object: 'cube1', device: 'dev-99' }), '10.0.0.1:1');
    clock.advance(0);
    assert.equal(b.payloads.length, 0);
    assert.equal(cube.seq, 0);
    const stats = registry.stats('lab') as { dropped: Record<string, number>; unattributed: { datagrams: number; dropped: Record<string, number> } };
    assert.deepEqual(stats.dropped, { malformed: 0, truncated: 1, oversize: 0, invalid: 2, unknownScene: 0, unknownObject: 2, unknownDevice: 1, forged: 0, stale: 0 });
    assert.deepEqual(stats.unattributed, {
      datagrams: 12,
      dropped: { malformed: 2, truncated: 1, oversize: 1, invalid: 0, unknownScene: 2, unknownObject: 0, unknownDevice: 0, forged: 0, stale: 0 },
    });
  });

  it('keeps names like __proto__ and constructor apart from Object.prototype', async (t) => {
    const { registry, clock } = await startRegistry(t);
    await registry.createScene('__proto__');
    await registry.createObject('__proto__', { name: 'constructor' });
    await registry.createObject('__proto__', { name: '__proto__', location: [1, 2, 3] });
    clock.advance(0);
    assert.deepEqual(registry.list().map((s) => s.name), ['__proto__']);
    assert.deepEqual([...registry.scene('__proto__').objects.keys()], ['constructor', '__proto__']);
    assert.throws(() => registry.scene('constructor'), { code: 'unknown_scene', message: 'no scene named "constructor": create it with POST /v1/scenes' });
    await assert.rejects(registry.createScene('__proto__'), { code: 'scene_exists', message: 'scene __proto__ exists already: DELETE /v1/scenes/__proto__ first' });
    await assert.rejects(registry.createScene('a/b'), { code: 'invalid_parameter', message: 'scene name must be 1-100 characters of A-Z a-z 0-9 . _ : -, got "a/b"' });
  });
});
