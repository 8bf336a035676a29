import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { once } from 'node:events';
import { describe, it, type TestContext } from 'node:test';
import { startServeProcess } from '../support/cli-process.js';
import { UdpDevice } from '../support/udp-device.js';
import { jsonDatagram } from '../scenes/scene-harness.js';

const json = { 'content-type': 'application/json' };

async function until<T>(read: () => Promise<T>, done: (value: T) => boolean, timeoutMs = 10_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await read();
    if (done(value) || Date.now() > deadline) return value;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

async function fill(t: TestContext, url: string, waitForStore = true) {
  await fetch(`${url}/v1/scenes`, { method: 'POST', headers: json, body: JSON.stringify({ name: 'lab' }) });
  for (const name of ['a', 'b']) await fetch(`${url}/v1/scenes/lab/objects`, { method: 'POST', headers: json, body: JSON.stringify({ name }) });
  const { udpPort } = (await (await fetch(`${url}/v1/scenes/lab`)).json()) as { udpPort: number };
  const sender = await UdpDevice.open(t);
  for (let seq = 1; seq <= 50; seq += 1) {
    sender.send(jsonDatagram([{ scene: 'lab', object: 'a', seq, location: [seq, 0, 0] }, { scene: 'lab', object: 'b', seq, scale: [seq, seq, seq] }]), udpPort);
    await new Promise((resolve) => setImmediate(resolve));
  }
  return until(async () => (await (await fetch(`${url}/v1/scenes/lab/stats`)).json()) as { accepted: number; stored: number }, (s) => s.accepted === 100 && (!waitForStore || s.stored === 100));
}

describe('playhead serve with scenes', () => {
  it('knows each object\'s latest stored transform after SIGKILL and a restart on the same SQLite file', async (t) => {
    const folder = mkdtempSync(join(tmpdir(), 'playhead-scenes-kill-'));
    t.after(() => rmSync(folder, { recursive: true, force: true }));
    const store = `sqlite:${join(folder, 'p.db')}`;
    const first = await startServeProcess(['--store', store]);
    const stats = await fill(t, first.url);
    assert.deepEqual([stats.accepted, stats.stored], [100, 100], 'every update was stored within a batch interval');
    first.child.kill('SIGKILL');
    await once(first.child, 'exit');
    const second = await startServeProcess(['--store', store]);
    t.after(() => second.child.kill());
    const { objects } = (await (await fetch(`${second.url}/v1/scenes/lab/objects`)).json()) as { objects: { object: string; seq: number; location: number[]; scale: number[] }[] };
    assert.deepEqual(objects.map((o) => [o.object, o.seq, o.location, o.scale]), [['a', 50, [50, 0, 0], [1, 1, 1]], ['b', 50, [0, 0, 0], [50, 50, 50]]]);
  });

  it('stores every delivered update on a clean shutdown (SIGTERM)', async (t) => {
    const folder = mkdtempSync(join(tmpdir(), 'playhead-scenes-term-'));
    t.after(() => rmSync(folder, { recursive: true, force: true }));
    const store = `sqlite:${join(folder, 'p.db')}`;
    const first = await startServeProcess(['--store', store]);
    await fill(t, first.url, false);
    first.child.kill('SIGTERM');
    await once(first.child, 'exit');
    const second = await startServeProcess(['--store', store]);
    t.after(() => second.child.kill());
    const channels = (await (await fetch(`${second.url}/v1/channels`)).json()) as { channels: { name: string; count: number }[] };
    assert.equal(channels.channels.find((c) => c.name === 'scene.lab')?.count, 100);
    assert.ok(channels.channels.some((c) => c.name === 'playhead.scene-snapshots.lab'), 'a last snapshot was written at shutdown');
  });
});
