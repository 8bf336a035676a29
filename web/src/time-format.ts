/** How the dashboard writes times: ISO-8601 UTC like the API, and durations as "45m 14s". */

const MS_PER_SECOND = 1000;
const SECONDS_PER_MINUTE = 60;
const SECONDS_PER_HOUR = 3600;
const SECONDS_PER_DAY = 86_400;

export function formatIso(ts: number): string {
  return new Date(Math.round(ts)).toISOString();
}

/** The largest two units, e.g. "2d 3h", "45m 14s", "1.2s". */
export function formatDuration(ms: number): string {
  const totalSeconds = ms / MS_PER_SECOND;
  if (totalSeconds < SECONDS_PER_MINUTE) return `${Number(totalSeconds.toFixed(totalSeconds < 10 ? 1 : 0))}s`;
  const whole = Math.round(totalSeconds);
  const days = Math.floor(whole / SECONDS_PER_DAY);
  const hours = Math.floor((whole % SECONDS_PER_DAY) / SECONDS_PER_HOUR);
  const minutes = Math.floor((whole % SECONDS_PER_HOUR) / SECONDS_PER_MINUTE);
  const seconds = whole % SECONDS_PER_MINUTE;
  if (days > 0) return `${days}d ${hours}h`;
  if (hours > 0) return `${hours}h ${minutes}m`;
  return `${minutes}m ${seconds}s`;
}
