/**
 * Finds a real service at its default address for service-backed tests.
 * Absent service: the suite skips with a clear message, except under
 * CI=true, where absence is a failure (the project's test rule).
 */
import { connect } from 'node:net';

export const POSTGRES_TEST_URL = process.env.PLAYHEAD_TEST_POSTGRES ?? 'postgres://postgres@127.0.0.1:5432/test';

function reachable(host: string, port: number, timeoutMs = 1_000): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host, port });
    const done = (ok: boolean) => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(timeoutMs, () => done(false));
    socket.once('connect', () => done(true));
    socket.once('error', () => done(false));
  });
}

/** Returns a skip reason (string) when the service is absent, or false when it is there. */
export async function serviceSkip(name: string, url: string): Promise<string | false> {
  const { hostname, port } = new URL(url);
  if (await reachable(hostname, Number(port))) return false;
  const message = `${name} is not reachable at ${hostname}:${port}`;
  if (process.env.CI === 'true') throw new Error(`${message}, and CI=true requires it (.ci/run starts it)`);
  return `${message}: start it to run these tests`;
}

/** Whether PLAYHEAD_TEST_STORES (comma list, e.g. "sqlite") lets this store's tests run. */
export function storeSelected(name: string): boolean {
  const filter = process.env.PLAYHEAD_TEST_STORES;
  return filter === undefined || filter.split(',').map((s) => s.trim()).includes(name);
}
