import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseJsonText, parseNdjson } from '../../src/core/json-text.js';

describe('parseNdjson', () => {
  it('reads one value per line, skipping blank lines and CRLF endings', () => {
    assert.deepEqual(parseNdjson('{"a":1}\r\n\n[2]\n"x"'), [{ a: 1 }, [2], 'x']);
    assert.deepEqual(parseNdjson(''), []);
  });

  it('names the line, the event index and the position of a bad line', () => {
    assert.throws(() => parseNdjson('1\n\n{"a":}\n'), (error: Record<string, unknown>) => {
      assert.equal(error.code, 'invalid_json');
      assert.equal(error.index, 1);
      assert.match(String(error.message), /^line 3 \(event 1\) is not valid JSON/);
      return true;
    });
  });
});

describe('parseJsonText', () => {
  it('rejects bad JSON with invalid_json and the parser message', () => {
    assert.throws(() => parseJsonText('{"a": x}'), { code: 'invalid_json', message: /^body is not valid JSON: Unexpected token/ });
  });
});
