import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { summarizeEvent } from '../../web/src/event-summary.js';

describe('summarizeEvent', () => {
  it('describes a position', () => {
    assert.equal(summarizeEvent({ object: 'p12', frame: 780, x: 8.456, y: 3.5 }), 'p12 at (8.46, 3.50)');
  });

  it('describes a wiki edit', () => {
    assert.equal(summarizeEvent({ type: 'edit', title: 'Q42', user: 'Ghuron', bot: true, server_name: 'www.wikidata.org' }), 'edit Q42 by Ghuron (bot) · www.wikidata.org');
  });

  it('describes a GeoJSON feature by its title', () => {
    assert.equal(summarizeEvent({ type: 'Feature', properties: { mag: 1.2, title: 'M 1.2 - 11km W of Y, Alaska' } }), 'M 1.2 - 11km W of Y, Alaska');
    assert.equal(summarizeEvent({ type: 'Feature', properties: { mag: 0.8, place: 'Mammoth Lakes' } }), 'M 0.8 · Mammoth Lakes');
  });

  it('falls back to compact JSON, cut to one line', () => {
    assert.equal(summarizeEvent({ t: 21.5 }), '{"t":21.5}');
    assert.equal(summarizeEvent(null), 'null');
    assert.equal(summarizeEvent({ __proto__: 'x', constructor: 1 }), '{"constructor":1}');
    const long = summarizeEvent({ text: 'a'.repeat(1_000) });
    assert.equal(long.length, 240);
    assert.ok(long.endsWith('…'));
  });
});
