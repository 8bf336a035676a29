/**
 * Keeps docs/protocol.md true: its error table lists exactly the codes of
 * the registry, with the same HTTP status and "when" text, and every JSON
 * example parses; client messages pass the protocol validator and server
 * messages have a known type.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { ERROR_CODES } from '../../src/core/errors.js';
import { parseClientMessage } from '../../src/protocol/client-actions.js';
import { PLAYBACK_STATUSES, SERVER_MESSAGE_TYPES } from '../../src/protocol/server-messages.js';

const doc = readFileSync(new URL('../../docs/protocol.md', import.meta.url), 'utf8');
const examples = [...doc.matchAll(/```json\n([\s\S]*?)```/g)].map((match) => match[1] as string);

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
    assert.ok(examples.length >= 20);
    for (const block of examples) assert.doesNotThrow(() => JSON.parse(block), block);
  });

  it('shows only client messages the validator accepts', () => {
    const clientMessages = examples.map((block) => JSON.parse(block) as Record<string, unknown>).filter((value) => 'action' in value);
    assert.ok(clientMessages.length >= 12);
    for (const message of clientMessages) {
      const parsed = parseClientMessage(message);
      assert.ok(parsed.ok, `${JSON.stringify(message)}: ${parsed.ok ? '' : parsed.message}`);
    }
  });

  it('shows only server messages of known types and statuses', () => {
    const serverMessages = examples.map((block) => JSON.parse(block) as Record<string, unknown>).filter((value) => 'type' in value);
    assert.ok(serverMessages.length >= 3);
    for (const message of serverMessages) {
      assert.ok((SERVER_MESSAGE_TYPES as readonly unknown[]).includes(message.type), JSON.stringify(message));
      if (message.type === 'state') assert.ok((PLAYBACK_STATUSES as readonly unknown[]).includes(message.status));
      if (message.type === 'error') assert.ok(Object.hasOwn(ERROR_CODES, message.code as string));
    }
  });
});
