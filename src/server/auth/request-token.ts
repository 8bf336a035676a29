/** Reads the token a client sent: `Authorization: Bearer T`, or `?token=T` for browsers and WebSockets. */

export function requestToken(headers: Readonly<Record<string, unknown>>, url: string): string | undefined {
  const header = headers.authorization;
  if (typeof header === 'string') {
    const match = /^Bearer\s+(.+)$/i.exec(header);
    if (match !== null) return match[1]?.trim();
  }
  const query = url.indexOf('?');
  if (query === -1) return undefined;
  return new URLSearchParams(url.slice(query + 1)).get('token') ?? undefined;
}
