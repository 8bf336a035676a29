import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { KeyIndex } from '../../src/timeline/key-index.js';

describe('KeyIndex', () => {
  it('numbers keys densely in first-seen order and finds each again after growing', () => {
    const index = new KeyIndex();
    const keys: string[] = [];
    // Short, odd and even lengths, longer than a slot holds, non-ASCII, a prefix of another, the empty key.
    for (let n = 0; n < 5_000; n += 1) keys.push(`s${n}`, `device-${n}-${'x'.repeat(n % 17)}`, `é${n}😀`);
    keys.push('', 's', 's1\u0000');
    keys.forEach((key, at) => assert.equal(index.intern(key), at));
    assert.equal(index.size, keys.length);
    keys.forEach((key, at) => {
      assert.equal(index.get(`${key}`), at);
      assert.equal(index.keyAt(at), key);
    });
    assert.equal(index.get('s5000'), -1);
    assert.equal(index.get('device-1-'), -1);
    assert.deepEqual(index.keys(), keys);
  });
});
