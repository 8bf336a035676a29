/**
 * Type promises of sources (STYLE "least privilege in the type"), checked by
 * the typecheck: a mounted table is a reader and never a writer.
 */
import type { EventReader, EventWriter } from '../../src/store/event-store.js';
import type { TableSource } from '../../src/store/sources/table-source.js';

declare const source: TableSource;

export const readerFromSource: EventReader = source;

// @ts-expect-error a source cannot be passed where an EventWriter is expected
export const writerFromSource: EventWriter = source;

// @ts-expect-error a source has no append
void source.append;
