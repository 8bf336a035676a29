/**
 * Property-based tests of playback (fast-check): for random events, windows,
 * speeds and control sequences on a virtual clock, every event of the window
 * is delivered once, in replay order, never before its due time.
 */
import assert from 'node:assert/strict';
import type { TestContext } from 'node:test';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { createHarness, T0, type Delivery, type Harness } from './playback-harness.js';

const RUNS = 40;

async function withHarness<T>(offsets: readonly number[], body: (h: Harness) => Promise<T>): Promise<T> {
  const cleanups: (() => unknown)[] = [];
  const context = { after: (fn: () => unknown) => cleanups.push(fn) } as unknown as TestContext;
  const h = await createHarness(context, offsets);
  try {
    return await body(h);
  } finally {
    for (const cleanup of cleanups) await cleanup();
  }
}

const iso = (offsetMs: number) => new Date(T0 + offsetMs).toISOString();
const eventsArbitrary = fc.array(fc.integer({ min: 0, max: 5_000 }), { minLength: 0, maxLength: 60 });
const windowArbitrary = fc.tuple(fc.integer({ min: 0, max: 4_000 }), fc.integer({ min: 1, max: 3_000 })).map(([start, length]) => ({ start, end: start + length }));
const speedArbitrary = fc.constantFrom(0.5, 1, 2, 7.5, 40, -1, -3);

/** The (ts, seq) positions of the window's events, in the order a session at this speed must deliver them. */
async function expectedOrder(h: Harness, start: number, end: number, speed: number): Promise<[number, number][]> {
  const all: [number, number][] = [];
  for await (const page of h.store.scan({ channel: 'c', order: speed > 0 ? 'asc' : 'desc', start: T0 + start, end: T0 + end })) {
    all.push(...page.map((e): [number, number] => [e.ts, e.seq]));
  }
  return all;
}

const positions = (deliveries: readonly Delivery[]) => deliveries.map((d): [number, number] => [d.ts, d.seq]);

describe('playback properties', () => {
  it('delivers exactly the window, in replay order, each event at W0 + (t - P0) / speed', async () => {
    await fc.assert(fc.asyncProperty(eventsArbitrary, windowArbitrary, speedArbitrary, async (offsets, { start, end }, speed) => {
      await withHarness(offsets, async (h) => {
        const w0 = h.clock.monotonic();
        h.send({ action: 'play', start: iso(start), end: iso(end), speed });
        const playMs = (end - start) / Math.abs(speed);
        await h.run(playMs + 20, Math.max(1, Math.ceil(playMs / 300)));
        assert.deepEqual(positions(h.sink.deliveries), await expectedOrder(h, start, end, speed));
        const origin = T0 + (speed > 0 ? start : end);
        for (const d of h.sink.deliveries) assert.ok(Math.abs(d.wallMs - w0 - (d.ts - origin) / speed) < 1e-6, 'due time exact on a virtual clock');
        const last = h.sink.lastState();
        assert.equal(last.status, 'ended');
        assert.ok(Math.abs(last.wallMs - w0 - playMs) < 1e-6, 'ends at the wall time of the far edge');
      });
    }), { numRuns: RUNS });
  });

  it('keeps every event, once and in order, through random pauses and speed changes', async () => {
    const control = fc.record({
      afterMs: fc.integer({ min: 1, max: 800 }),
      action: fc.constantFrom('pause', 'resume', 'speed'),
      speed: fc.constantFrom(0.5, 1, 3, 10),
    });
    await fc.assert(fc.asyncProperty(eventsArbitrary, windowArbitrary, fc.array(control, { maxLength: 8 }), async (offsets, { start, end }, controls) => {
      await withHarness(offsets, async (h) => {
        h.send({ action: 'play', start: iso(start), end: iso(end) });
        for (const step of controls) {
          await h.run(step.afterMs, 7);
          if (h.session.status === 'ended') break; // resume would replay the window, by design
          h.send(step.action === 'speed' ? { action: 'speed', speed: step.speed } : { action: step.action });
        }
        if (h.session.status === 'paused') h.send({ action: 'resume' });
        await h.run((end - start) * 2 + 50, 10);
        assert.deepEqual(positions(h.sink.deliveries), await expectedOrder(h, start, end, 1));
        assert.equal(h.sink.lastState().status, 'ended');
        // Never early: each event comes when the reported playhead has reached it.
        for (const d of h.sink.deliveries) {
          const before = h.sink.states.filter((s) => s.wallMs <= d.wallMs).at(-1);
          assert.ok(before === undefined || before.status !== 'playing' || before.positionMs <= d.ts, 'the playhead was not behind a delivered event');
        }
      });
    }), { numRuns: RUNS });
  });

  it('never repeats an event between seeks, and resumes in order from each seek target', async () => {
    const seek = fc.record({ afterMs: fc.integer({ min: 1, max: 600 }), to: fc.integer({ min: 0, max: 5_000 }) });
    await fc.assert(fc.asyncProperty(eventsArbitrary, windowArbitrary, fc.array(seek, { maxLength: 5 }), async (offsets, { start, end }, seeks) => {
      await withHarness(offsets, async (h) => {
        h.send({ action: 'play', start: iso(start), end: iso(end) });
        const segments: number[] = [0];
        for (const step of seeks) {
          await h.run(step.afterMs, 7);
          segments.push(h.sink.deliveries.length);
          h.send({ action: 'seek', to: iso(step.to) });
        }
        await h.run(end - start + 50, 10);
        segments.push(h.sink.deliveries.length);
        for (let i = 0; i + 1 < segments.length; i += 1) {
          const segment = positions(h.sink.deliveries.slice(segments[i], segments[i + 1]));
          const sorted = [...segment].sort((a, b) => a[0] - b[0] || a[1] - b[1]);
          assert.deepEqual(segment, sorted, 'replay order within a segment');
          assert.equal(new Set(segment.map(([, seq]) => seq)).size, segment.length, 'no repeats within a segment');
          for (const [ts] of segment) assert.ok(ts >= T0 + start && ts < T0 + end, 'inside the window');
        }
        const lastSegment = positions(h.sink.deliveries.slice(segments.at(-2)));
        const target = seeks.length === 0 ? start : Math.min(end, Math.max(start, (seeks.at(-1) as { to: number }).to));
        const expected = (await expectedOrder(h, start, end, 1)).filter(([ts]) => ts >= T0 + target);
        assert.deepEqual(lastSegment, expected, 'after the last seek, everything from its target to the end');
      });
    }), { numRuns: RUNS });
  });
});
