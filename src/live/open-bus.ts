/**
 * Turns a bus URL into a LiveBus: in-process for one node (the default), NATS
 * for several. The NATS driver is imported only when asked for (STYLE
 * "drivers stay in their folders").
 */
import { InProcessBus } from './in-process/in-process-bus.js';
import type { LiveBus } from './live-bus.js';

export const DEFAULT_BUS_URL = 'local';

export async function openBus(url: string, nodeId: string): Promise<LiveBus> {
  if (url === DEFAULT_BUS_URL) return new InProcessBus();
  if (url.startsWith('nats://') || url.startsWith('tls://')) {
    const { NatsBus } = await import('./nats/nats-bus.js');
    return NatsBus.connect({ servers: url, name: `playhead ${nodeId}`, nodeId });
  }
  throw new Error(`unsupported bus URL ${JSON.stringify(url)}: use "local" (one node) or nats://host:4222 (several nodes sharing one store)`);
}
