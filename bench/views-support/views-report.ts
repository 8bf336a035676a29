/** Prints one views figure as one JSON line on stdout (the bench's only stdout output); progress goes to stderr. */

export type ViewsFigure = Readonly<Record<string, string | number | boolean | null>>;

export function reportFigure(metric: string, fields: ViewsFigure): void {
  process.stdout.write(`${JSON.stringify({ bench: 'views', metric, ...fields })}\n`);
}

export function progress(message: string): void {
  process.stderr.write(`[bench:views] ${message}\n`);
}
