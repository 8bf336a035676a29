import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { HEADER_BYTES, readRecord, RECORD_BYTES, recordView, writeRecord, type RecordView } from '../../src/scenes/scene-datagram.js';

describe('scene datagram records', () => {
  it('reads back what was written at any byte offset of the underlying memory, in the documented little-endian layout', () => {
    const floats = [1.5, -2, 3.25, 0, 0, Math.fround(0.38268343), Math.fround(0.9238795), 1, 2, 0.5];
    // A datagram whose bytes start at an odd offset of their ArrayBuffer, as a slice of a pooled buffer may.
    const bytes = Buffer.alloc(1 + HEADER_BYTES + 2 * RECORD_BYTES).subarray(1);
    const records = recordView(bytes);
    writeRecord(records, HEADER_BYTES, 7, 0xffff_ffff, 1_700_000_000_123.5, floats);
    writeRecord(records, HEADER_BYTES + RECORD_BYTES, 8, 3, 0, floats);
    assert.equal(bytes.readUInt32LE(HEADER_BYTES), 7);
    assert.equal(bytes.readFloatLE(HEADER_BYTES + 16 + 5 * 4), floats[5]);
    const view: RecordView = { objectIndex: 0, seq: 0, time: 0 };
    const read = new Float64Array(10);
    readRecord(records, HEADER_BYTES, view, read);
    assert.deepEqual({ ...view }, { objectIndex: 7, seq: 0xffff_ffff, time: 1_700_000_000_123.5 });
    assert.deepEqual([...read], floats);
    readRecord(recordView(bytes), HEADER_BYTES + RECORD_BYTES, view, read);
    assert.deepEqual({ ...view }, { objectIndex: 8, seq: 3, time: 0 });
    assert.deepEqual([...read], floats);
  });
});
