import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { SceneObject } from '../../src/scenes/scene-object.js';
import { SceneUpdate } from '../../src/scenes/scene-update.js';
import { UpdateBatch } from '../../src/scenes/update-batch.js';

describe('UpdateBatch', () => {
  it('gives each update the JSON of its event data, for names that need escaping too', () => {
    const object = new SceneObject('a "quoted" \\ name', 3, null, null);
    const batch = UpdateBatch.withCapacity(2);
    for (const fromDevice of [0, 7]) batch.add(new SceneUpdate(object, 9, 1, Float64Array.from([-0.5, 1e-7, 3, 0, 0, 0, 1, 1, 2, 1e21]), fromDevice));
    assert.equal(batch.full, true);
    assert.deepEqual(batch.data(0), { object: 'a "quoted" \\ name', index: 3, seq: 9, location: [-0.5, 1e-7, 3], rotation: [0, 0, 0, 1], scale: [1, 2, 1e21] });
    assert.deepEqual(batch.data(1), { ...batch.data(0), device: 7 });
    for (const i of [0, 1]) assert.equal(batch.json(i), JSON.stringify(batch.data(i)));
  });

  it('keeps the name an update was accepted under when the object is renamed later', () => {
    const object = new SceneObject('before', 1, null, null);
    const batch = UpdateBatch.withCapacity(4);
    batch.add(new SceneUpdate(object, 1, 1, Float64Array.from([0, 0, 0, 0, 0, 0, 1, 1, 1, 1]), 0));
    object.name = 'after';
    batch.add(new SceneUpdate(object, 2, 2, Float64Array.from([0, 0, 0, 0, 0, 0, 1, 1, 1, 1]), 0));
    assert.deepEqual(batch.events().map((event) => [event.ts, (event.data as { object: string }).object]), [[1, 'before'], [2, 'after']]);
  });
});
