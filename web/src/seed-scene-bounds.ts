/**
 * Seeds a trajectory scene's bounds from the first and last page of its
 * channel, so the view is framed before playback reaches every object and
 * does not zoom as new ones appear.
 */
import type { DashboardApi } from './dashboard-api.js';
import type { SceneBounds } from './scene-bounds.js';
import { trajectorySample } from './trajectory-tracks.js';

const SAMPLE_EVENTS_PER_END = 10_000;

export async function seedSceneBounds(api: DashboardApi, channel: string, bounds: SceneBounds): Promise<void> {
  const pages = await Promise.all([
    api.events(channel, { limit: SAMPLE_EVENTS_PER_END, order: 'asc' }),
    api.events(channel, { limit: SAMPLE_EVENTS_PER_END, order: 'desc' }),
  ]);
  for (const page of pages) {
    for (const event of page.events) {
      const found = trajectorySample(event);
      if (found !== undefined) bounds.include(found.sample.x, found.sample.y);
    }
  }
}
