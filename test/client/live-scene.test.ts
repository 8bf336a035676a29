import assert from 'node:assert/strict';
import { describe, it, type TestContext } from 'node:test';
import WebSocket from 'ws';
import { connect, PlayheadClientError, type TransformMessage, type WebSocketConstructor } from '../../client/index.js';
import { startListeningServer } from '../support/listening-server.js';

const options = { WebSocket: WebSocket as unknown as WebSocketConstructor, minBackoffMs: 20, maxBackoffMs: 100 };

async function until(done: () => boolean, timeoutMs = 5_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!done()) {
    if (Date.now() > deadline) throw new Error('timed out');
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

async function labServer(t: TestContext) {
  const server = await startListeningServer(t, { scenes: { udpPort: 0 } });
  const post = (path: string, body: unknown) => fetch(`${server.http}${path}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  await post('/v1/scenes', { name: 'lab' });
  await post('/v1/scenes/lab/objects', { name: 'cube1', location: [1, 1, 1] });
  await post('/v1/scenes/lab/objects', { name: 'cube2' });
  return server;
}

describe('playhead/client scene()', () => {
  it('joins a scene with its transforms, receives another device\'s moves, and not its own', async (t) => {
    const server = await labServer(t);
    const alice = connect(server.ws, options);
    const bob = connect(server.ws, options);
    t.after(() => {
      alice.close();
      bob.close();
    });
    const a = alice.scene('lab');
    const b = bob.scene('lab');
    await Promise.all([a.ready, b.ready]);
    assert.deepEqual(a.objects.get('cube1')?.location, [1, 1, 1]);
    assert.match(a.device ?? '', /^dev-\d+$/);
    assert.notEqual(a.device, b.device);
    const seen: TransformMessage[] = [];
    b.onTransform((transform) => seen.push(transform));
    a.move('cube2', { location: [2, 3, 4], rotation: { euler: [0, 0, 90] } });
    await until(() => seen.length === 1);
    assert.deepEqual([seen[0]?.object, seen[0]?.location, seen[0]?.seq], ['cube2', [2, 3, 4], 1]);
    assert.ok(Math.abs((b.objects.get('cube2')?.rotation[2] ?? 0) - Math.SQRT1_2) < 1e-9, 'Euler degrees came back as a quaternion');
    await new Promise((resolve) => setTimeout(resolve, 50));
    assert.equal(a.objects.get('cube2')?.seq, 0, 'the mover does not get its own update back');
  });

  it('reads the scene as it was at an instant', async (t) => {
    const server = await labServer(t);
    const ph = connect(server.ws, options);
    t.after(() => ph.close());
    const lab = ph.scene('lab');
    await lab.ready;
    const t0 = Date.now() - 10_000;
    for (let i = 1; i <= 3; i += 1) lab.move('cube1', { time: t0 + i * 1_000, location: [i, 0, 0] });
    const at = async () => (await lab.at(t0 + 2_500)).find((o) => o.object === 'cube1')?.location;
    await until(() => server.app.scenes.scene('lab').object('cube1').seq === 4);
    assert.deepEqual(await at(), [2, 0, 0]);
  });

  it('rejects ready with the server\'s error for an unknown scene', async (t) => {
    const server = await labServer(t);
    const ph = connect(server.ws, options);
    t.after(() => ph.close());
    await assert.rejects(ph.scene('nowhere').ready, (error: unknown) => {
      assert.ok(error instanceof PlayheadClientError);
      assert.deepEqual([error.code, error.message], ['unknown_scene', 'no scene named "nowhere": create it with POST /v1/scenes']);
      return true;
    });
  });

  it('joins again, as a new device, after a dropped connection', async (t) => {
    const server = await labServer(t);
    const ph = connect(server.ws, options);
    const other = connect(server.ws, options);
    t.after(() => {
      ph.close();
      other.close();
    });
    const lab = ph.scene('lab');
    const mover = other.scene('lab');
    await Promise.all([lab.ready, mover.ready]);
    const first = lab.device;
    ph.drop();
    await until(() => lab.device !== first);
    mover.move('cube1', { location: [7, 7, 7] });
    await until(() => lab.objects.get('cube1')?.location[0] === 7);
    assert.equal(server.app.scenes.scene('lab').devices.size, 2, 'the dropped device left the scene');
  });

  it('sends a replay to a joined device when a playback names it', async (t) => {
    const server = await labServer(t);
    const controller = connect(server.ws, options);
    const headset = connect(server.ws, options);
    t.after(() => {
      controller.close();
      headset.close();
    });
    const mover = controller.scene('lab');
    const viewer = headset.scene('lab');
    await Promise.all([mover.ready, viewer.ready]);
    const t0 = Date.now() - 10_000;
    for (let i = 1; i <= 5; i += 1) mover.move('cube1', { time: t0 + i * 100, location: [i, 0, 0] });
    await until(() => viewer.objects.get('cube1')?.location[0] === 5);
    await until(() => (server.app.scenes.stats('lab').stored as number) >= 5);
    const replayed: number[] = [];
    viewer.onTransform((transform) => replayed.push(transform.location[0] as number));
    const p = controller.channel('scene.lab').play({ start: t0, end: t0 + 1_000, speed: 1_000, device: viewer.device });
    await p.ready;
    await until(() => replayed.length === 5);
    assert.deepEqual(replayed, [1, 2, 3, 4, 5]);
  });
});
