import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { packRecords, packUpdates, writeRecords } from '../../src/scenes/pack-updates.js';
import { HEADER_BYTES, RECORD_BYTES, readHeader, readRecord, recordView, type RecordView, FLAG_FROM_SERVER } from '../../src/scenes/scene-datagram.js';
import { SceneObject } from '../../src/scenes/scene-object.js';
import { SceneUpdate } from '../../src/scenes/scene-update.js';

function updates(count: number, fromDevice = 0): SceneUpdate[] {
  return Array.from({ length: count }, (_, i) => {
    const object = new SceneObject(`object-${i}`, i + 1, null, null);
    return new SceneUpdate(object, i + 1, 1_700_000_000_000 + i, Float64Array.from([i, 2, 3, 0, 0, 0, 1, 1, 1, 1]), fromDevice);
  });
}

describe('packUpdates', () => {
  it('packs binary records back to back, 21 to a 1,200-byte datagram', () => {
    const payloads: Buffer[] = [];
    const packed = packUpdates(updates(25), { format: 'binary', sceneIndex: 7, sceneJson: '"lab"', maxBytes: 1_200, skipDevice: 0 }, (p) => payloads.push(p));
    assert.equal(packed, 25);
    assert.deepEqual(payloads.map((p) => p.length), [HEADER_BYTES + 21 * RECORD_BYTES, HEADER_BYTES + 4 * RECORD_BYTES]);
    assert.deepEqual(readHeader(payloads[0] as Buffer), { flags: FLAG_FROM_SERVER, sceneIndex: 7, deviceIndex: 0 });
    const view: RecordView = { objectIndex: 0, seq: 0, time: 0 };
    const floats = new Float64Array(10);
    readRecord(recordView(payloads[1] as Buffer), HEADER_BYTES + 3 * RECORD_BYTES, view, floats);
    assert.deepEqual(view, { objectIndex: 25, seq: 25, time: 1_700_000_000_024 });
    assert.deepEqual([...floats], [24, 2, 3, 0, 0, 0, 1, 1, 1, 1]);
  });

  it('packs JSON arrays of transform messages under the byte limit', () => {
    const payloads: Buffer[] = [];
    packUpdates(updates(30), { format: 'json', sceneIndex: 1, sceneJson: '"lab"', maxBytes: 1_200, skipDevice: 0 }, (p) => payloads.push(p));
    assert.ok(payloads.length > 1);
    for (const payload of payloads) assert.ok(payload.length <= 1_200, `${payload.length}`);
    const messages = payloads.flatMap((p) => JSON.parse(p.toString()) as Record<string, unknown>[]);
    assert.equal(messages.length, 30);
    assert.deepEqual(messages[0], { type: 'transform', scene: 'lab', object: 'object-0', seq: 1, time: 1_700_000_000_000, location: [0, 2, 3], rotation: [0, 0, 0, 1], scale: [1, 1, 1] });
  });

  it('leaves out the updates of the skipped device', () => {
    const payloads: Buffer[] = [];
    const packed = packUpdates([...updates(2, 3), ...updates(1, 4)], { format: 'json', sceneIndex: 1, sceneJson: '"lab"', maxBytes: 1_200, skipDevice: 3 }, (p) => payloads.push(p));
    assert.equal(packed, 1);
  });

  it('cuts records written once into the same payloads as packing each size anew', () => {
    const all = updates(1_300);
    for (const maxBytes of [1_200, 64 << 10]) {
      const target = { format: 'binary', sceneIndex: 3, sceneJson: '"lab"', maxBytes, skipDevice: 0 } as const;
      const packed: Buffer[] = [];
      const cut: Buffer[] = [];
      packUpdates(all, target, (p) => packed.push(Buffer.from(p)));
      assert.equal(packRecords(writeRecords(all), target, (p) => cut.push(p)), 1_300);
      assert.deepEqual(cut, packed);
    }
  });
});
