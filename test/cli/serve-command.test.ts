import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { runCli, startServeProcess } from '../support/cli-process.js';

describe('playhead serve', () => {
  it('refuses a non-loopback host without tokens unless --insecure', async () => {
    const result = await runCli(['serve', '--host', '0.0.0.0', '--port', '0', '--store', 'sqlite::memory:']);
    assert.equal(result.code, 1);
    assert.equal(result.stderr.trim(), 'playhead: refusing to listen on 0.0.0.0 without --tokens FILE: anyone who can reach it could read and write every channel (pass --insecure to do it anyway)');
  });

  it('keeps every acknowledged event when killed with SIGKILL and restarted', async (t) => {
    const folder = mkdtempSync(join(tmpdir(), 'playhead-kill-'));
    t.after(() => rmSync(folder, { recursive: true, force: true }));
    const store = `sqlite:${join(folder, 'p.db')}`;
    const first = await startServeProcess(['--store', store]);
    const post = (batch: number) => fetch(`${first.url}/v1/channels/k/events`, {
      method: 'POST', headers: { 'content-type': 'application/json' },
      body: JSON.stringify(Array.from({ length: 100 }, (_, i) => ({ data: batch * 100 + i }))),
    });
    let acknowledged = 0;
    for (let batch = 0; batch < 20; batch += 1) acknowledged += ((await (await post(batch)).json()) as { accepted: number }).accepted;
    // Batches in flight when the process dies may or may not be stored, but never in part.
    const inFlight = Array.from({ length: 10 }, (_, i) => post(20 + i).then((reply) => reply.json() as Promise<{ accepted?: number }>, () => ({ accepted: 0 })));
    first.child.kill('SIGKILL');
    for (const reply of await Promise.all(inFlight)) acknowledged += reply.accepted ?? 0;
    assert.ok(acknowledged > 0, 'some batches were acknowledged before the kill');
    const second = await startServeProcess(['--store', store]);
    t.after(() => second.child.kill());
    const channel = (await (await fetch(`${second.url}/v1/channels`)).json()) as { channels: { count: number }[] };
    const stored = channel.channels[0]?.count ?? 0;
    assert.ok(stored >= acknowledged, `stored ${stored} >= acknowledged ${acknowledged}`);
    assert.equal(stored % 100, 0, 'no partial batch');
  });
});
