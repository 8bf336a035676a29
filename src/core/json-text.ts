/**
 * Parses request bodies: one JSON value, or NDJSON (one value per line).
 * Errors carry `invalid_json` and, for NDJSON, the line number and event
 * index, so a producer can find the bad line in a large batch.
 */
import { PlayheadError } from './errors.js';

export function parseJsonText(text: string, what = 'body'): unknown {
  try {
    return JSON.parse(text);
  } catch (error) {
    throw new PlayheadError('invalid_json', `${what} is not valid JSON: ${(error as Error).message}`, { cause: error });
  }
}

/** Values of an NDJSON text; blank lines are skipped but still counted for positions. */
export function parseNdjson(text: string): unknown[] {
  const values: unknown[] = [];
  let lineStart = 0;
  let lineNumber = 0;
  while (lineStart <= text.length) {
    const newline = text.indexOf('\n', lineStart);
    const lineEnd = newline === -1 ? text.length : newline;
    lineNumber += 1;
    const line = text.slice(lineStart, lineEnd).trim();
    if (line !== '') {
      try {
        values.push(JSON.parse(line));
      } catch (error) {
        throw new PlayheadError('invalid_json', `line ${lineNumber} (event ${values.length}) is not valid JSON: ${(error as Error).message}`, {
          index: values.length,
          cause: error,
        });
      }
    }
    lineStart = lineEnd + 1;
  }
  return values;
}
