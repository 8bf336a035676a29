/**
 * One line of text for an event's data, for the event list. Known shapes of
 * the demo data (edits, positions, GeoJSON features) get a readable line;
 * anything else is shown as compact JSON.
 */

const MAX_SUMMARY_CHARS = 240;

type Fields = Readonly<Record<string, unknown>>;

function isFields(value: unknown): value is Fields {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function text(value: unknown): string | undefined {
  if (typeof value === 'string' && value !== '') return value;
  if (typeof value === 'number' && Number.isFinite(value)) return String(value);
  return undefined;
}

function describePosition(data: Fields): string | undefined {
  const { object, x, y } = data;
  if (typeof x !== 'number' || typeof y !== 'number') return undefined;
  const name = text(object) ?? 'object';
  return `${name} at (${x.toFixed(2)}, ${y.toFixed(2)})`;
}

function describeEdit(data: Fields): string | undefined {
  const title = text(data['title']);
  if (title === undefined) return undefined;
  const kind = text(data['type']) ?? 'change';
  const user = text(data['user']);
  const bot = data['bot'] === true ? ' (bot)' : '';
  const site = text(data['server_name']);
  return `${kind} ${title}${user === undefined ? '' : ` by ${user}${bot}`}${site === undefined ? '' : ` · ${site}`}`;
}

function describeFeature(data: Fields): string | undefined {
  const properties = data['properties'];
  if (!isFields(properties)) return undefined;
  const title = text(properties['title']) ?? text(properties['place']);
  if (title === undefined) return undefined;
  const magnitude = text(properties['mag']);
  return magnitude === undefined || title.startsWith('M ') ? title : `M ${magnitude} · ${title}`;
}

export function summarizeEvent(data: unknown): string {
  const line = isFields(data) ? (describePosition(data) ?? describeEdit(data) ?? describeFeature(data)) : undefined;
  const summary = line ?? JSON.stringify(data) ?? 'undefined';
  return summary.length > MAX_SUMMARY_CHARS ? `${summary.slice(0, MAX_SUMMARY_CHARS - 1)}…` : summary;
}
