/** Whether a reader can fill a live gap from its log in seq order (SeqLog, and its capability says the log is dense). */
import type { EventReader, SeqLog } from './event-store.js';

export function isSeqLog(reader: EventReader): reader is EventReader & SeqLog {
  return reader.capabilities.readsSince && typeof (reader as Partial<SeqLog>).readSince === 'function';
}
