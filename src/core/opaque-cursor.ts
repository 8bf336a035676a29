/**
 * The envelope of every opaque pagination cursor: a small JSON array,
 * base64url-encoded. What the array holds, and how it is checked, belongs
 * to each kind of page (channel pages, feed pages).
 */

export function encodeOpaqueCursor(parts: readonly unknown[]): string {
  return Buffer.from(JSON.stringify(parts)).toString('base64url');
}

/** The array inside a cursor, or undefined when the text is not one. */
export function decodeOpaqueCursor(cursor: string): unknown[] | undefined {
  try {
    const parsed: unknown = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
    return Array.isArray(parsed) ? parsed : undefined;
  } catch {
    return undefined;
  }
}
