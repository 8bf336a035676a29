import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { compareFeedIds } from '../../src/protocol/feed-messages.js';

describe('compareFeedIds', () => {
  it('orders ids as their UTF-8 bytes, the order the stores keep', () => {
    const text = fc.oneof(fc.string({ unit: 'binary', maxLength: 4 }), fc.string({ unit: fc.constantFrom('a', 'b', 'é', '€', '😀', '\uD800', '\uDFFF', '\uFFFD', '\uFFFF', '\u0000'), maxLength: 6 }));
    fc.assert(fc.property(text, text, (a, b) => {
      assert.equal(Math.sign(compareFeedIds(a, b)), Math.sign(Buffer.compare(Buffer.from(a), Buffer.from(b))), `${JSON.stringify(a)} vs ${JSON.stringify(b)}`);
    }), { numRuns: 2_000 });
  });
});
