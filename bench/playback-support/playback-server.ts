/**
 * The server under measurement: `buildServer` with an sqlite store on a
 * file in a fresh temp folder (WAL, synchronous=FULL: the served settings)
 * and an in-process bus, listening on 127.0.0.1 on a free port, in the
 * bench's own process. Everything is removed at the end.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { InProcessBus } from '../../src/live/in-process/in-process-bus.js';
import { buildServer } from '../../src/server/app.js';
import type { EventStore } from '../../src/store/event-store.js';
import { openStore } from '../../src/store/open-store.js';
import { onCleanup } from '../support/cleanup.js';

export interface PlaybackServer {
  readonly store: EventStore;
  readonly port: number;
  /** Folder for the run's scratch files (client samples). */
  readonly tmpDir: string;
  wsUrl(channel: string): string;
  eventsUrl(channel: string): string;
  close(): Promise<void>;
}

export async function startPlaybackServer(): Promise<PlaybackServer> {
  const tmpDir = mkdtempSync(join(tmpdir(), 'playhead-bench-playback-'));
  const removeDir = onCleanup('remove the temp folder', () => rmSync(tmpDir, { recursive: true, force: true }));
  const store = await openStore(`sqlite:${join(tmpDir, 'playback.db')}`);
  const closeStore = onCleanup('close the store', () => store.close());
  const bus = new InProcessBus();
  const app = await buildServer({ store, bus });
  const closeApp = onCleanup('close the server', async () => {
    await app.close();
    await bus.close();
  });
  await app.listen({ host: '127.0.0.1', port: 0 });
  const { port } = app.server.address() as AddressInfo;
  return {
    store, port, tmpDir,
    wsUrl: (channel) => `ws://127.0.0.1:${port}/v1/channels/${encodeURIComponent(channel)}/ws`,
    eventsUrl: (channel) => `http://127.0.0.1:${port}/v1/channels/${encodeURIComponent(channel)}/events`,
    async close() {
      await closeApp();
      await closeStore();
      await removeDir();
    },
  };
}
