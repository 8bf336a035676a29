/**
 * A timeline's checkpoints move with its lease: two `playhead serve` nodes
 * on one PostgreSQL schema and NATS, the node writing the checkpoints is
 * SIGKILLed, the survivor takes the lease and writes the last checkpoint at
 * its own clean stop, and a fresh node resumes from it to exactly the
 * values a from-scratch evaluation gives.
 */
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { after, describe, it } from 'node:test';
import pg from 'pg';
import { expectedOnSeconds, LAMP_T0, LAMP_TIMELINE, lampEvent } from '../support/lamp-timeline.js';
import { clusterSkip, eventually, leasesOn, serveCluster } from '../support/serve-cluster.js';
import { POSTGRES_TEST_URL } from '../support/services.js';

const skip = await clusterSkip();
const json = { 'content-type': 'application/json' };
const LEASE = `timeline:${LAMP_TIMELINE.name}`;

describe('timeline checkpoints across nodes', { skip }, () => {
  const admin = new pg.Pool({ connectionString: POSTGRES_TEST_URL, max: 1 });
  after(() => admin.end());

  it('move to the survivor when the writer dies, and a fresh node resumes from them exactly', { timeout: 90_000 }, async (t) => {
    const { nodes, start } = await serveCluster(t, admin, 'tl_failover', ['n0', 'n1'], ['--takeover', '2s']);
    const post = (url: string, from: number, count: number) => fetch(`${url}/v1/channels/lamps/events`, { method: 'POST', headers: json, body: JSON.stringify(Array.from({ length: count }, (_, i) => lampEvent(from + i))) });

    assert.equal((await fetch(`${nodes[0]?.url}/v1/timelines`, { method: 'POST', headers: json, body: JSON.stringify(LAMP_TIMELINE) })).status, 201);
    const held = await eventually(() => leasesOn(nodes[0]?.url as string), (l) => l[LEASE] !== undefined, 'a checkpoint writer');
    const writer = nodes.find((node) => node.id === held[LEASE]) as (typeof nodes)[0];
    const survivor = nodes.find((node) => node !== writer) as (typeof nodes)[0];
    assert.equal((await post(survivor.url, 0, 60)).status, 201);
    writer.child.kill('SIGKILL');
    assert.equal((await post(survivor.url, 60, 60)).status, 201);
    await eventually(() => leasesOn(survivor.url), (l) => l[LEASE] === survivor.id, 'the survivor to take the lease');
    survivor.child.kill('SIGTERM'); // a clean stop writes a last checkpoint, as the lease holder
    await once(survivor.child, 'exit');

    const fresh = await start('n2');
    const at = LAMP_T0 + 120 * 1_000;
    const expected = expectedOnSeconds(120, at);
    for (const lamp of Object.keys(expected)) {
      const reply = (await (await fetch(`${fresh.url}/v1/timelines/${LAMP_TIMELINE.name}/keys/${lamp}?at=${at}`)).json()) as { value: number };
      assert.equal(reply.value, expected[lamp], `${lamp}: on for as long as a from-scratch evaluation says`);
    }
    const { stats } = (await (await fetch(`${fresh.url}/v1/timelines/${LAMP_TIMELINE.name}`)).json()) as { stats: { events: number; appliedSeq: number } };
    assert.equal(stats.appliedSeq, 120, 'the fresh node covers every event');
    assert.equal(stats.events, 0, "it resumed from the survivor's checkpoint, which held all 120 events");
  });
});
