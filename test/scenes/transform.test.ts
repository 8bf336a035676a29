import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { eulerDegreesToQuaternion, parseTransformParts } from '../../src/scenes/transform.js';
import { parseTransformInput } from '../../src/scenes/transform-input.js';

function close(actual: readonly number[] | undefined, expected: readonly number[]): void {
  assert.ok(actual !== undefined && actual.length === expected.length, `${actual} vs ${expected}`);
  actual.forEach((value, i) => assert.ok(Math.abs(value - (expected[i] as number)) < 1e-9, `${actual} vs ${expected}`));
}

describe('parseTransformParts', () => {
  it('accepts location, quaternion rotation and scale, normalising the quaternion', () => {
    const parts = parseTransformParts({ location: [1, 2, 3], rotation: [0, 0, 0, 2], scale: [1, 1, 1] });
    assert.deepEqual(parts, { location: [1, 2, 3], rotation: [0, 0, 0, 1], scale: [1, 1, 1] });
  });

  it('converts Euler degrees to a quaternion', () => {
    close(parseTransformParts({ rotation: { euler: [0, 0, 90] } }).rotation, [0, 0, Math.SQRT1_2, Math.SQRT1_2]);
    close(eulerDegreesToQuaternion(180, 0, 0), [1, 0, 0, 0]);
  });

  it('refuses Infinity (1e999 in JSON) and names the field', () => {
    assert.throws(() => parseTransformParts(JSON.parse('{"location":[1,1e999,3]}')), {
      code: 'invalid_parameter', message: 'location[1] must be a finite number, got Infinity',
    });
    assert.throws(() => parseTransformParts({ scale: [1, Number.NaN, 1] }), { code: 'invalid_parameter', message: 'scale[1] must be a finite number, got NaN' });
  });

  it('refuses wrong lengths and a zero quaternion', () => {
    assert.throws(() => parseTransformParts({ location: [1, 2] }), { code: 'invalid_parameter', message: 'location must be an array of 3 numbers, got [1,2]' });
    assert.throws(() => parseTransformParts({ rotation: [0, 0, 0, 0] }), { code: 'invalid_parameter', message: 'rotation must be a unit quaternion [x,y,z,w], got one of length 0' });
  });
});

describe('parseTransformInput', () => {
  it('reads the documented JSON form, seq and time optional', () => {
    const input = parseTransformInput({ scene: 'lab', object: 'cube1', seq: 17, time: 1700000000123, location: [1, 2, 3] }, 5);
    assert.deepEqual(input, { scene: 'lab', object: 'cube1', device: undefined, seq: 17, time: 1700000000123, parts: { location: [1, 2, 3] } });
    assert.equal(parseTransformInput({ scene: 'lab', object: 'o' }, 5).seq, 0);
  });

  it('refuses unknown fields and a bad seq', () => {
    assert.throws(() => parseTransformInput({ scene: 'lab', object: 'o', position: [1, 2, 3] }, 0), {
      code: 'invalid_parameter', message: 'a transform does not take field "position": it takes scene, object, seq, time, location, rotation, scale, device',
    });
    assert.throws(() => parseTransformInput({ scene: 'lab', object: 'o', seq: -1 }, 0), { code: 'invalid_parameter', message: 'field "seq" must be an integer 1-4294967295, got -1' });
  });
});
