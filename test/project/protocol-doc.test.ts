/**
 * Keeps docs/protocol.md true: its error table lists exactly the codes of
 * the registry, with the same HTTP status and "when" text, and every JSON
 * example in it parses.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { ERROR_CODES } from '../../src/core/errors.js';

const doc = readFileSync(new URL('../../docs/protocol.md', import.meta.url), 'utf8');

function errorTable(): Map<string, { status: number; when: string }> {
  const rows = new Map<string, { status: number; when: string }>();
  for (const match of doc.matchAll(/^\| `([a-z_]+)` \| (\d{3}) \| ([^|]+) \|/gm)) {
    rows.set(match[1] as string, { status: Number(match[2]), when: (match[3] as string).trim() });
  }
  return rows;
}

describe('docs/protocol.md', () => {
  it('documents every error code of the registry, and no other', () => {
    const documented = errorTable();
    assert.deepEqual([...documented.keys()].sort(), Object.keys(ERROR_CODES).sort());
    for (const [code, spec] of Object.entries(ERROR_CODES)) {
      assert.deepEqual(documented.get(code), { status: spec.status, when: spec.when }, code);
    }
  });

  it('holds only JSON examples that parse', () => {
    const blocks = [...doc.matchAll(/```json\n([\s\S]*?)```/g)].map((match) => match[1] as string);
    assert.ok(blocks.length >= 8);
    for (const block of blocks) assert.doesNotThrow(() => JSON.parse(block), block);
  });
});
