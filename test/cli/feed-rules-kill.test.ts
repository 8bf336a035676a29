import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { startServeProcess } from '../support/cli-process.js';

const json = { 'content-type': 'application/json' };
const USERS = 4;

describe('feed rules under playhead serve', () => {
  it('catches up exactly once after SIGKILL: every stored event in its feed, a hand-deleted item not back', async (t) => {
    const folder = mkdtempSync(join(tmpdir(), 'playhead-rule-kill-'));
    t.after(() => rmSync(folder, { recursive: true, force: true }));
    const store = `sqlite:${join(folder, 'p.db')}`;
    const first = await startServeProcess(['--store', store]);
    const post = (batch: number) => fetch(`${first.url}/v1/channels/posts/events`, {
      method: 'POST', headers: json,
      body: JSON.stringify(Array.from({ length: 50 }, (_, i) => ({ id: `p${batch * 50 + i}`, time: 1_000 + batch * 50 + i, data: { user: `u${i % USERS}` } }))),
    });
    for (let batch = 0; batch < 4; batch += 1) await post(batch);
    const rule = await fetch(`${first.url}/v1/feeds/rules`, { method: 'POST', headers: json, body: JSON.stringify({ name: 'r', channel: 'posts', feed: 'user:{data.user}', maxItems: 10_000 }) });
    assert.equal(rule.status, 201);
    assert.equal((await fetch(`${first.url}/v1/feeds/user:u0/items/p0`, { method: 'DELETE' })).status, 200);
    for (let batch = 4; batch < 8; batch += 1) await post(batch);
    // Written and maybe not yet in the feeds when the process dies: the restart must catch them up.
    const inFlight = Array.from({ length: 6 }, (_, i) => post(8 + i).catch(() => undefined));
    first.child.kill('SIGKILL');
    await Promise.all(inFlight);

    const second = await startServeProcess(['--store', store]);
    t.after(() => second.child.kill());
    const stored: string[] = [];
    for (let cursor: string | null = ''; cursor !== null;) {
      const page = (await (await fetch(`${second.url}/v1/channels/posts/events?limit=1000${cursor === '' ? '' : `&cursor=${cursor}`}`)).json()) as { events: { id: string }[]; next: string | null };
      stored.push(...page.events.map((event) => event.id));
      cursor = page.next;
    }
    const inFeeds: string[] = [];
    for (let user = 0; user < USERS; user += 1) {
      const page = (await (await fetch(`${second.url}/v1/feeds/user:u${user}?limit=1000`)).json()) as { items: string[] };
      inFeeds.push(...page.items);
    }
    assert.ok(stored.length >= 400, `at least the acknowledged batches are stored, got ${stored.length}`);
    assert.deepEqual(inFeeds.sort(), stored.filter((id) => id !== 'p0').sort());
  });
});
