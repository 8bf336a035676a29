/** Prints one playback figure as one JSON line on stdout (the bench's only stdout output); progress goes to stderr. */

export type PlaybackFigure = Readonly<Record<string, string | number | boolean | null>>;

export function reportFigure(metric: string, fields: PlaybackFigure): void {
  process.stdout.write(`${JSON.stringify({ bench: 'playback', metric, ...fields })}\n`);
}

export function progress(message: string): void {
  process.stderr.write(`[bench:playback] ${message}\n`);
}
