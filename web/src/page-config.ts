/**
 * What the page's own address tells the dashboard: the server is the page's
 * origin (the dashboard is served by `playhead serve` at `/`), and `?token=`
 * is the access token for the API and the WebSocket.
 */

export interface PageConfig {
  /** The server's HTTP origin, e.g. http://127.0.0.1:8080. */
  readonly origin: string;
  readonly token: string | undefined;
}

export function readPageConfig(location: Pick<Location, 'origin' | 'search'>): PageConfig {
  const token = new URLSearchParams(location.search).get('token');
  return Object.freeze({ origin: location.origin, token: token === null || token === '' ? undefined : token });
}
