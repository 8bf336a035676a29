import assert from 'node:assert/strict';
import { describe, it, type TestContext } from 'node:test';
import { startListeningServer } from '../../support/listening-server.js';
import { TestClient, type Message } from '../../support/ws-client.js';
import { binaryDatagram } from '../../scenes/scene-harness.js';
import { UdpDevice } from '../../support/udp-device.js';

const json = { 'content-type': 'application/json' };
type Transform = { type: string; object: string; seq: number; location: number[] };

/** Transform messages come packed: one JSON array per frame. */
function transforms(client: TestClient): Transform[] {
  return (client.messages as unknown[]).flatMap((m) => (Array.isArray(m) ? (m as Transform[]) : []));
}

/** Counts transforms as they arrive, with the latest location[0] per object. */
function record(client: TestClient) {
  const seen = { count: 0, outOfOrder: 0, last: new Map<string, number>(), seq: new Map<string, number>() };
  client.socket.on('message', (data) => {
    const value = JSON.parse(data.toString()) as unknown;
    if (!Array.isArray(value)) return;
    for (const m of value as Transform[]) {
      seen.count += 1;
      if ((seen.seq.get(m.object) ?? 0) >= m.seq) seen.outOfOrder += 1;
      seen.seq.set(m.object, m.seq);
      seen.last.set(m.object, m.location[0] as number);
    }
  });
  return seen;
}

async function until(done: () => boolean, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!done()) {
    if (Date.now() > deadline) throw new Error('timed out');
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

async function sceneServer(t: TestContext, objects: readonly string[], options: Parameters<typeof startListeningServer>[1] = {}) {
  const server = await startListeningServer(t, { scenes: { udpPort: 0 }, ...options });
  const post = (path: string, body: unknown) => fetch(`${server.http}${path}`, { method: 'POST', headers: json, body: JSON.stringify(body) }).then((r) => r.json());
  const scene = await post('/v1/scenes', { name: 'lab' });
  for (const name of objects) await post('/v1/scenes/lab/objects', { name, location: [0, 0, 0] });
  const connect = async () => {
    const client = await TestClient.connect(`${server.ws}/v1/ws`);
    t.after(() => client.close());
    return client;
  };
  return { ...server, scene, connect };
}

describe('scenes over /v1/ws', () => {
  it('joins a scene (every transform in the reply), relays transforms, and not back to the sender', async (t) => {
    const { connect } = await sceneServer(t, ['cube1']);
    const a = await connect();
    const b = await connect();
    a.send({ action: 'scene', scene: 'lab' });
    b.send({ action: 'scene', scene: 'lab' });
    const joined = await b.waitFor((m) => m.type === 'scene');
    assert.equal(joined.scene, 'lab');
    assert.deepEqual((joined.objects as Message[]).map((o) => [o.object, o.seq, o.location]), [['cube1', 1, [0, 0, 0]]]);
    await a.waitFor((m) => m.type === 'scene');
    a.send({ action: 'transform', scene: 'lab', object: 'cube1', seq: 2, location: [1, 2, 3], rotation: { euler: [0, 0, 0] } });
    b.send({ action: 'transform', scene: 'lab', object: 'cube1', seq: 3, location: [4, 5, 6] });
    await b.waitFor(() => transforms(b).length === 1);
    await a.waitFor(() => transforms(a).length === 1);
    assert.deepEqual(transforms(b).map((m) => [m.type, m.seq, m.location]), [['transform', 2, [1, 2, 3]]]);
    assert.deepEqual(transforms(a).map((m) => [m.seq, m.location]), [[3, [4, 5, 6]]]);
  });

  it('answers a transform it refuses with a structured error, and the connection stays usable', async (t) => {
    const { connect } = await sceneServer(t, ['cube1']);
    const a = await connect();
    a.send('{"action":"transform","scene":"lab","object":"cube1","location":[1e999,0,0]}');
    a.send({ action: 'transform', scene: 'lab', object: 'ghost', location: [1, 1, 1] });
    a.send({ action: 'transform', scene: 'nowhere', object: 'cube1' });
    a.send({ action: 'scene', scene: 'lab', format: 'xml' });
    a.send({ action: 'scene', scene: 'lab' });
    await a.waitFor((m) => m.type === 'scene');
    assert.deepEqual(a.of('error').map((m) => [m.code, m.message]), [
      ['invalid_parameter', 'location[0] must be a finite number, got Infinity'],
      ['unknown_object', 'scene lab has no object named ghost: create it with POST /v1/scenes/lab/objects'],
      ['unknown_scene', 'no scene named "nowhere": create it with POST /v1/scenes'],
      ['invalid_parameter', 'format must be "json" or "binary", got "xml"'],
    ]);
  });

  it('coalesces a slow device to the latest transform per object while a fast one gets every update', async (t) => {
    const objects = Array.from({ length: 200 }, (_, i) => `o${i}`);
    const { connect, http, scene } = await sceneServer(t, objects);
    const fast = await connect();
    const slow = await connect();
    fast.send({ action: 'scene', scene: 'lab' });
    slow.send({ action: 'scene', scene: 'lab' });
    await fast.waitFor((m) => m.type === 'scene');
    await slow.waitFor((m) => m.type === 'scene');
    const fastSeen = record(fast);
    const slowSeen = record(slow);
    slow.socket.pause();
    const sender = await UdpDevice.open(t);
    const stats = async () => (await fetch(`${http}/v1/scenes/lab/stats`)).json() as Promise<{ accepted: number; coalesced: number }>;
    let seq = 1;
    // Until the slow device's buffers are full and its updates are coalesced (bounded: at most ~35 MB sent).
    for (let round = 0; round < 1_000 && (await stats()).coalesced === 0; round += 1) {
      seq += 1;
      for (let first = 1; first <= objects.length; first += 20) {
        const records = Array.from({ length: 20 }, (_, i) => ({ object: first + i, seq, floats: [seq, first + i, 0, 0, 0, 0, 1, 1, 1, 1] }));
        sender.send(binaryDatagram(scene.index, 0, records), scene.udpPort);
      }
      await new Promise((resolve) => setImmediate(resolve));
    }
    const { accepted, coalesced } = await stats();
    assert.ok(coalesced > 0, 'the slow device was coalesced');
    const sent = accepted - objects.length;
    await until(() => fastSeen.count === sent);
    slow.socket.resume();
    await until(() => objects.every((name) => slowSeen.last.get(name) === seq));
    assert.ok(slowSeen.count < sent, `slow got ${slowSeen.count} of ${sent}`);
    assert.equal(fastSeen.outOfOrder, 0);
  });

  it('answers the scene as it was at an instant, and a scene channel plays like any channel', async (t) => {
    const { connect, http } = await sceneServer(t, ['a']);
    const client = await connect();
    const t0 = Date.now() - 10_000;
    for (let i = 1; i <= 5; i += 1) client.send({ action: 'transform', scene: 'lab', object: 'a', time: t0 + i * 1_000, location: [i, 0, 0] });
    client.send({ action: 'scene', scene: 'lab', at: t0 + 3_500 });
    const at = await client.waitFor((m) => m.type === 'scene');
    assert.equal(at.at, t0 + 3_500);
    assert.deepEqual((at.objects as Message[]).map((o) => [o.object, o.location, o.time]), [['a', [3, 0, 0], t0 + 3_000]]);
    const listed = await (await fetch(`${http}/v1/scenes/lab/objects?at=${t0 + 1_500}`)).json();
    assert.deepEqual(listed.objects.map((o: Message) => o.location), [[1, 0, 0]]);
    client.send({ action: 'play', sub: 'replay', channel: 'scene.lab', start: t0, end: t0 + 6_000, speed: 1000 });
    await client.waitFor((m) => m.type === 'state' && m.status === 'ended');
    const replayed = client.of('event').filter((m) => m.sub === 'replay').map((m) => (m.data as { location: number[] }).location[0]);
    assert.deepEqual(replayed, [1, 2, 3, 4, 5]);
  });

  it('streams a replayed scene as the transform frames a live device gets, with the DVR controls', async (t) => {
    const { connect } = await sceneServer(t, ['a']);
    const client = await connect();
    const t0 = Date.now() - 10_000;
    for (let i = 1; i <= 5; i += 1) client.send({ action: 'transform', scene: 'lab', object: 'a', time: t0 + i * 1_000, location: [i, 0, 0] });
    client.send({ action: 'scene', scene: 'lab', at: t0 + 5_500 });
    await client.waitFor((m) => m.type === 'scene');
    const viewer = await connect();
    viewer.send({ action: 'play', sub: 'r', channel: 'scene.lab', start: t0, end: t0 + 6_000, speed: 1000, output: 'transforms' });
    await viewer.waitFor((m) => m.type === 'state' && m.status === 'ended');
    assert.deepEqual(transforms(viewer).map((m) => [m.type, m.object, m.location[0]]), [1, 2, 3, 4, 5].map((x) => ['transform', 'a', x]));
    assert.equal(viewer.of('event').length, 0, 'no event messages, only transforms');
    viewer.send({ action: 'play', sub: 'x', channel: 'wiki', start: t0, output: 'transforms' });
    const refused = await viewer.waitFor((m) => m.type === 'error' && m.sub === 'x');
    assert.deepEqual([refused.code, refused.message], ['invalid_parameter', 'output "transforms" replays a scene channel (scene.NAME), and wiki is not one']);
  });
});
