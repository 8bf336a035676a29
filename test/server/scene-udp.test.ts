import assert from 'node:assert/strict';
import { describe, it, type TestContext } from 'node:test';
import { HEADER_BYTES, RECORD_BYTES, readRecord, recordView, type RecordView } from '../../src/scenes/scene-datagram.js';
import { binaryDatagram, jsonDatagram } from '../scenes/scene-harness.js';
import { startListeningServer } from '../support/listening-server.js';
import { UdpDevice } from '../support/udp-device.js';
import { TestClient } from '../support/ws-client.js';

const json = { 'content-type': 'application/json' };

async function sceneServer(t: TestContext, auth = false, deviceTimeoutMs?: number) {
  const server = await startListeningServer(t, { scenes: { udpPort: 0, ...(deviceTimeoutMs === undefined ? {} : { config: { deviceTimeoutMs } }) } });
  const call = async (method: string, path: string, body?: unknown) => {
    const response = await fetch(`${server.http}${path}`, { method, headers: json, ...(body === undefined ? {} : { body: JSON.stringify(body) }) });
    return { status: response.status, body: response.status === 204 ? undefined : await response.json() };
  };
  const scene = (await call('POST', '/v1/scenes', { name: 'lab', auth })).body;
  await call('POST', '/v1/scenes/lab/objects', { name: 'cube1' });
  const sender = await UdpDevice.open(t);
  const receiver = await UdpDevice.open(t);
  const a = (await call('POST', '/v1/scenes/lab/devices', { udp: sender.address, format: 'binary' })).body;
  const b = (await call('POST', '/v1/scenes/lab/devices', { udp: receiver.address })).body;
  return { ...server, call, scene, sender, receiver, a, b, udpPort: scene.udpPort as number };
}

describe('scene UDP input', () => {
  it('relays a datagram between two registered devices and never back to its sender', async (t) => {
    const { sender, receiver, a, b, udpPort, scene, call } = await sceneServer(t);
    assert.equal(typeof udpPort, 'number');
    assert.deepEqual([a.sceneIndex, a.index, a.format, b.format, a.udpPort], [scene.index, 1, 'binary', 'json', udpPort]);
    sender.send(binaryDatagram(a.sceneIndex, a.index, [{ object: 1, seq: 1, time: 1_700_000_000_123, floats: [1, 2, 3, 0, 0, 0, 1, 1, 1, 1] }]), udpPort);
    await receiver.waitFor(() => receiver.messages().length === 1);
    assert.deepEqual(receiver.messages()[0], { type: 'transform', scene: 'lab', object: 'cube1', seq: 1, time: 1_700_000_000_123, location: [1, 2, 3], rotation: [0, 0, 0, 1], scale: [1, 1, 1] });
    receiver.send(jsonDatagram({ scene: 'lab', object: 'cube1', seq: 2, location: [4, 5, 6] }), udpPort);
    await sender.waitFor(() => sender.datagrams.length === 1);
    const view: RecordView = { objectIndex: 0, seq: 0, time: 0 };
    const floats = new Float64Array(10);
    readRecord(recordView(sender.datagrams[0] as Buffer), HEADER_BYTES, view, floats);
    assert.deepEqual([view.objectIndex, view.seq, [...floats.slice(0, 3)]], [1, 2, [4, 5, 6]], 'the sender got only the other device\'s update');
    const stats = (await call('GET', '/v1/scenes/lab/stats')).body;
    assert.deepEqual([stats.accepted, stats.delivered], [2, 2]);
  });

  it('ignores a stale seq and drops malformed, truncated, oversize and NaN datagrams, counting each', async (t) => {
    const { sender, receiver, udpPort, call } = await sceneServer(t);
    sender.send(jsonDatagram({ scene: 'lab', object: 'cube1', seq: 5, location: [5, 5, 5] }), udpPort);
    sender.send(jsonDatagram({ scene: 'lab', object: 'cube1', seq: 3, location: [3, 3, 3] }), udpPort);
    sender.send(Buffer.from('{"scene":'), udpPort);
    sender.send(binaryDatagram(1, 0, [{ object: 1, seq: 9 }]).subarray(0, 30), udpPort);
    sender.send(Buffer.alloc(9_000, 0x5b), udpPort);
    sender.send(binaryDatagram(1, 0, [{ object: 1, seq: 9, floats: [0, Number.NaN, 0, 0, 0, 0, 1, 1, 1, 1] }]), udpPort);
    sender.send(jsonDatagram({ scene: 'nowhere', object: 'cube1' }), udpPort);
    sender.send(jsonDatagram({ scene: 'lab', object: 'cube1', seq: 6, location: [6, 6, 6] }), udpPort);
    await receiver.waitFor(() => receiver.messages().some((m) => m.seq === 6));
    assert.deepEqual(receiver.messages().map((m) => m.seq), [5, 6]);
    const stats = (await call('GET', '/v1/scenes/lab/stats')).body;
    assert.deepEqual([stats.dropped.stale, stats.dropped.truncated, stats.dropped.invalid], [1, 1, 1]);
    assert.deepEqual([stats.unattributed.dropped.malformed, stats.unattributed.dropped.oversize, stats.unattributed.dropped.unknownScene], [1, 1, 1]);
    assert.equal((await call('GET', '/v1/scenes/lab/objects/cube1')).body.seq, 6, 'the server is still up and kept the newest');
  });

  it('drops a forged HMAC and relays a signed datagram on a scene with auth', async (t) => {
    const { sender, receiver, a, udpPort, call } = await sceneServer(t, true);
    sender.send(binaryDatagram(a.sceneIndex, a.index, [{ object: 1, seq: 1 }], 'not-the-secret'), udpPort);
    sender.send(jsonDatagram({ scene: 'lab', object: 'cube1', seq: 2, device: a.id }, 'not-the-secret'), udpPort);
    sender.send(binaryDatagram(a.sceneIndex, a.index, [{ object: 1, seq: 3 }], a.secret), udpPort);
    await receiver.waitFor(() => receiver.messages().length === 1);
    assert.deepEqual(receiver.messages().map((m) => m.seq), [3]);
    assert.equal((await call('GET', '/v1/scenes/lab/stats')).body.dropped.forged, 2);
  });

  it('drops a device that stops sending heartbeats', async (t) => {
    const { sender, a, b, udpPort, call } = await sceneServer(t, false, 300);
    const beat = setInterval(() => sender.send(binaryDatagram(a.sceneIndex, a.index, []), udpPort), 50);
    t.after(() => clearInterval(beat));
    const deadline = Date.now() + 5_000;
    let devices: { id: string }[] = [];
    while (Date.now() < deadline) {
      devices = (await call('GET', '/v1/scenes/lab/devices')).body.devices;
      if (devices.length === 1) break;
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    assert.deepEqual(devices.map((d) => d.id), [a.id]);
    assert.notEqual(a.id, b.id);
    assert.equal((await call('GET', '/v1/scenes/lab/stats')).body.devicesTimedOut, 1);
  });
});

describe('scene replay to a UDP device', () => {
  it('streams a replayed window to a registered UDP device in its format, packed, while the WebSocket that played it gets the states', async (t) => {
    const { sender, receiver, a, b, udpPort, call, ws } = await sceneServer(t);
    const t0 = Date.now() - 60_000;
    for (let i = 1; i <= 30; i += 1) {
      sender.send(binaryDatagram(a.sceneIndex, a.index, [{ object: 1, seq: i, time: t0 + i * 100, floats: [i, 0, 0, 0, 0, 0, 1, 1, 1, 1] }]), udpPort);
    }
    await receiver.waitFor(() => receiver.messages().length === 30);
    const deadline = Date.now() + 5_000;
    while ((await call('GET', '/v1/scenes/lab/stats')).body.stored < 30 && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 20));
    receiver.datagrams.length = 0;
    const controller = await TestClient.connect(`${ws}/v1/ws`);
    t.after(() => controller.close());
    controller.send({ action: 'play', sub: 'r', channel: 'scene.lab', start: t0 + 1_000, end: t0 + 2_001, speed: 100, device: b.id });
    await controller.waitFor((m) => m.type === 'state' && m.sub === 'r' && m.status === 'ended');
    await receiver.waitFor(() => receiver.messages().length === 11);
    const replayed = receiver.messages();
    assert.deepEqual(replayed.map((m) => [m.seq, (m.location as number[])[0], m.time]), Array.from({ length: 11 }, (_, i) => [i + 10, i + 10, t0 + (i + 10) * 100]));
    assert.deepEqual(replayed[0], { type: 'transform', scene: 'lab', object: 'cube1', seq: 10, time: t0 + 1_000, location: [10, 0, 0], rotation: [0, 0, 0, 1], scale: [1, 1, 1] });
    assert.equal(controller.messages.filter((m) => Array.isArray(m) || (m as { type?: string }).type === 'event').length, 0, 'the controller gets no transforms');

    // The binary device gets binary records, and a whole window at high speed comes packed (fewer datagrams than updates).
    sender.datagrams.length = 0;
    controller.send({ action: 'play', sub: 'fast', channel: 'scene.lab', start: t0, end: t0 + 3_100, speed: 1_000_000, device: a.id });
    await controller.waitFor((m) => m.type === 'state' && m.sub === 'fast' && m.status === 'ended');
    const view: RecordView = { objectIndex: 0, seq: 0, time: 0 };
    const floats = new Float64Array(10);
    const seqs: number[] = [];
    await sender.waitFor(() => sender.datagrams.reduce((n, d) => n + (d.length - HEADER_BYTES) / RECORD_BYTES, 0) === 30);
    for (const datagram of sender.datagrams) {
      for (let at = HEADER_BYTES; at < datagram.length; at += RECORD_BYTES) {
        readRecord(recordView(datagram), at, view, floats);
        seqs.push(view.seq);
      }
    }
    assert.deepEqual(seqs, Array.from({ length: 30 }, (_, i) => i + 1));
    assert.ok(sender.datagrams.length < 30, `packed: ${sender.datagrams.length} datagrams for 30 updates`);
  });

  it('refuses a replay to a device the scene does not have, and to a device of another channel kind', async (t) => {
    const { ws } = await sceneServer(t);
    const controller = await TestClient.connect(`${ws}/v1/ws`);
    t.after(() => controller.close());
    controller.send({ action: 'play', sub: 'r', channel: 'scene.lab', start: 0, device: 'dev-99' });
    const refused = await controller.waitFor((m) => m.type === 'error' && m.sub === 'r');
    assert.deepEqual([refused.code, refused.message], ['unknown_device', 'scene lab has no device "dev-99": register with POST /v1/scenes/lab/devices']);
    controller.send({ action: 'play', sub: 'x', channel: 'wiki', start: 0, device: 'dev-1' });
    const wrong = await controller.waitFor((m) => m.type === 'error' && m.sub === 'x');
    assert.deepEqual([wrong.code, wrong.message], ['invalid_parameter', 'output "transforms" replays a scene channel (scene.NAME), and wiki is not one']);
  });
});
