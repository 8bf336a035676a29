/**
 * The feed keys that events fill through rules' key templates
 * (`user:{data.user}`), as the server's rules derive them: a placeholder
 * reads a path of the event's data, an array gives a key per element, and a
 * character a key may not hold becomes `_` (docs/feeds.md).
 */

const PLACEHOLDER = /\{([^{}]*)\}/g;
const NOT_KEY_CHARS = /[^A-Za-z0-9._:-]/g;
const KEY_MAX_CHARS = 128;

/** Distinct keys, in the order the events give them. */
export function feedKeysOf(templates: readonly string[], events: readonly unknown[]): string[] {
  const keys = new Set<string>();
  for (const data of events) {
    for (const template of templates) for (const key of fill(template, data)) keys.add(key);
  }
  return [...keys];
}

function fill(template: string, data: unknown): string[] {
  let keys = [''];
  let at = 0;
  for (const match of template.matchAll(PLACEHOLDER)) {
    const literal = template.slice(at, match.index);
    const raw = read(data, (match[1] as string).replace(/^data\./, ''));
    const values = (Array.isArray(raw) ? raw : [raw]).filter((value) => ['string', 'number', 'boolean'].includes(typeof value)).map(String);
    keys = keys.flatMap((key) => values.map((value) => key + literal + value.replace(NOT_KEY_CHARS, '_')));
    at = match.index + match[0].length;
  }
  return keys.map((key) => (key + template.slice(at)).slice(0, KEY_MAX_CHARS)).filter((key) => key !== '');
}

function read(data: unknown, path: string): unknown {
  let value = data;
  for (const part of path.split('.')) value = typeof value === 'object' && value !== null ? (value as Record<string, unknown>)[part] : undefined;
  return value;
}
