/** Prints one figure as one JSON line on stdout (the bench's only stdout output); progress goes to stderr. */

export type Figure = Readonly<Record<string, string | number | boolean | null>>;

export function report(store: string, metric: string, fields: Figure): void {
  process.stdout.write(`${JSON.stringify({ bench: 'store', store, metric, ...fields })}\n`);
}

export function progress(message: string): void {
  process.stderr.write(`[bench:store] ${message}\n`);
}
