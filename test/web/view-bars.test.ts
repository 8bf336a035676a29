import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { pictureOf } from '../../web/src/view-bars.js';

describe('pictureOf', () => {
  it('orders a top-k view largest first, bars scaled to the largest value', () => {
    const picture = pictureOf([{ user: 'bob', edits: 2 }, { user: 'ann', edits: 8 }, { user: 'cat', edits: 2 }]);
    assert.deepEqual(picture.columns, ['user', 'edits']);
    assert.deepEqual(picture.bars, [
      { key: 'ann', label: 'ann', value: 8, fraction: 1 },
      { key: 'bob', label: 'bob', value: 2, fraction: 0.25 },
      { key: 'cat', label: 'cat', value: 2, fraction: 0.25 },
    ]);
  });

  it('keys repeated labels apart, and draws no bars for a view without numbers', () => {
    assert.deepEqual(pictureOf([{ k: 'x', n: 1 }, { k: 'x', n: 3 }]).bars.map((bar) => bar.key), ['x', 'x\u00001']);
    const text = pictureOf([{ title: 'b' }, { title: 'a' }]);
    assert.deepEqual([text.bars, text.rows], [[], [{ title: 'a' }, { title: 'b' }]]);
    assert.deepEqual(pictureOf([]), { columns: [], rows: [], bars: [] });
  });
});
