/**
 * Feed key templates of rules: literal text with `{path}` placeholders, as
 * in `user:{data.user}`. A placeholder over an array gives one key per
 * element (fan-out on write). Characters a key may not hold become `_`, and
 * keys are cut to 128 characters, so every value gives a valid key.
 */
import { PlayheadError } from '../core/errors.js';
import type { StoredEvent } from '../core/event.js';
import { compileEventPath, type EventPath } from './event-path.js';

const KEY_MAX_CHARS = 128;
const LITERAL_PATTERN = /^[A-Za-z0-9._:-]*$/;
const NOT_KEY_CHARS = /[^A-Za-z0-9._:-]/g;
/** Most feeds one event may fill through one rule. */
export const MAX_FAN_OUT = 1_000;

export type KeyTemplate = (event: StoredEvent) => string[];

export function compileKeyTemplate(template: unknown): KeyTemplate {
  if (typeof template !== 'string' || template === '') {
    throw new PlayheadError('invalid_rule', `feed must be a key template like "user:{data.user}", got ${JSON.stringify(template) ?? 'nothing'}`);
  }
  const parts: (string | EventPath)[] = [];
  let at = 0;
  for (const match of template.matchAll(/\{([^{}]*)\}/g)) {
    parts.push(literal(template.slice(at, match.index), template, at));
    parts.push(compileEventPath(match[1], `feed placeholder {${match[1]}}`));
    at = match.index + match[0].length;
  }
  parts.push(literal(template.slice(at), template, at));
  return (event) => {
    let keys = [''];
    for (const part of parts) {
      if (typeof part === 'string') {
        keys = keys.map((key) => key + part);
        continue;
      }
      const value = part(event);
      const values = (Array.isArray(value) ? value : [value]).filter(isScalar).map(String);
      keys = keys.flatMap((key) => values.map((v) => key + v.replace(NOT_KEY_CHARS, '_')));
      if (keys.length > MAX_FAN_OUT) keys = keys.slice(0, MAX_FAN_OUT);
    }
    return [...new Set(keys.map((key) => key.slice(0, KEY_MAX_CHARS)).filter((key) => key !== ''))];
  };
}

function literal(text: string, template: string, position: number): string {
  if (!LITERAL_PATTERN.test(text)) {
    throw new PlayheadError('invalid_rule', `feed template ${JSON.stringify(template)} may hold only A-Z a-z 0-9 . _ : - outside {placeholders}`, { position });
  }
  return text;
}

function isScalar(value: unknown): value is string | number | boolean {
  return typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean';
}
