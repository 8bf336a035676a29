/** Time travel for views: the view as it was at an event time, rebuilt from its channels' history. */
import type { EventReader } from '../store/event-store.js';
import { ViewEngine } from './view-engine.js';
import type { ViewPlan } from './view-plan.js';

/** A fresh engine holding the view as it was at event time `atMs`: its channels' events up to then, its clock at `atMs`. */
export async function buildViewAt(plan: ViewPlan, reader: EventReader, atMs: number): Promise<ViewEngine> {
  const engine = new ViewEngine(plan);
  for (const channel of new Set(engine.channels)) {
    for await (const page of reader.scan({ channel, order: 'asc', end: atMs + 1 })) {
      engine.insertAll(page);
    }
  }
  engine.advanceTo(atMs);
  return engine;
}
