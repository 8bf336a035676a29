/**
 * Type promises, checked by the typecheck in `npm test` (no runtime): a
 * reader-only store cannot be used to write, and events keep their stage.
 */
import type { NewEvent, StoredEvent } from '../../src/core/event.js';
import type { EventReader, EventStore, EventWriter } from '../../src/store/event-store.js';
import type { ClientMessage } from '../../src/protocol/client-actions.js';

declare const reader: EventReader;
declare const store: EventStore;
declare const stored: StoredEvent;

// @ts-expect-error a reader (e.g. a mounted source) is not a writer
export const writerFromReader: EventWriter = reader;
export const writerFromStore: EventWriter = store;
export const readerFromStore: EventReader = store;

// @ts-expect-error a stored event's seq is read-only
stored.seq = 2;

// @ts-expect-error a stored event is not a new event (no serialised data)
export const notNew: NewEvent = stored;

// @ts-expect-error the speed action needs its speed
export const speedless: ClientMessage = { action: 'speed' };
