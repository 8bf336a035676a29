/**
 * Request body parsers: JSON (one value) and NDJSON (one event per line).
 * Our own, so that errors carry the line index and position, and so that
 * event data keeps keys like `__proto__` as plain data (JSON.parse never
 * sets a prototype from them).
 */
import type { FastifyInstance } from 'fastify';
import { parseJsonText, parseNdjson } from '../core/json-text.js';

export function registerBodyParsers(app: FastifyInstance): void {
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('application/json', { parseAs: 'string' }, (_request, body, done) => {
    try {
      done(null, parseJsonText(body as string));
    } catch (error) {
      done(error as Error);
    }
  });
  app.addContentTypeParser(['application/x-ndjson', 'application/jsonl'], { parseAs: 'string' }, (_request, body, done) => {
    try {
      done(null, parseNdjson(body as string));
    } catch (error) {
      done(error as Error);
    }
  });
}
