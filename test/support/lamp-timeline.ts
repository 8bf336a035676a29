/** A timeline test fixture whose answer is easy to compute by hand: how long each lamp was on. */
export const LAMP_KEYS = 3;
export const LAMP_T0 = Date.UTC(2026, 0, 1);
export const LAMP_TIMELINE = { name: 'on_time', channel: 'lamps', key: 'data.lamp', query: 'duration_where(latest_event_to_state(s) == "on")' };

/** Event n: lamp n % LAMP_KEYS at T0 + n s, switched on when n / LAMP_KEYS is even. */
export const lampEvent = (n: number) => ({
  id: `e${n}`, time: LAMP_T0 + n * 1_000, data: { lamp: `l${n % LAMP_KEYS}`, s: Math.floor(n / LAMP_KEYS) % 2 === 0 ? 'on' : 'off' },
});

/** Seconds each lamp was on until `at` over events 0..count-1, computed from the events themselves. */
export function expectedOnSeconds(count: number, at: number): Record<string, number> {
  const on: Record<string, number> = {};
  for (let lamp = 0; lamp < LAMP_KEYS; lamp += 1) {
    const mine = Array.from({ length: count }, (_, n) => lampEvent(n)).filter((e) => e.data.lamp === `l${lamp}`);
    on[`l${lamp}`] = mine.reduce((sum, e, i) => sum + (e.data.s === 'on' ? ((mine[i + 1]?.time ?? at) - e.time) / 1_000 : 0), 0);
  }
  return on;
}
