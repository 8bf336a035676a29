/**
 * The dashboard (web/) in a real browser against a real server: builds it
 * with Vite into a temp dir (never a stale web/dist), serves it with the
 * demo data, and drives it with Chromium through playwright-core.
 * Screenshots go to test-artifacts/.
 */
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it, type TestContext } from 'node:test';
import { fileURLToPath } from 'node:url';
import { chromium, type Page } from 'playwright-core';
import { build } from 'vite';
import { DEMO_FEED_RULES } from '../../src/cli/demo-feed-rules.js';
import { DEMO_VIEWS } from '../../src/cli/demo-views.js';
import { loadDemo } from '../../src/cli/load-demo.js';
import { loadVideoDemo, VIDEO_DEMO_TIMELINES } from '../../src/cli/video-demo.js';
import { systemClock } from '../../src/core/clock.js';
import { Ingestor } from '../../src/ingest/ingestor.js';
import { InProcessBus } from '../../src/live/in-process/in-process-bus.js';
import { buildServer } from '../../src/server/app.js';
import { openStore } from '../../src/store/open-store.js';

const CHROMIUM_PATH = '/usr/bin/chromium';
const CHROMIUM_ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'];
const VITE_CONFIG = fileURLToPath(new URL('../../web/vite.config.ts', import.meta.url));
const ARTIFACTS_DIR = fileURLToPath(new URL('../../test-artifacts/', import.meta.url));
const WAIT_MS = 15_000;
/** How long "paused" must keep the event count still. */
const PAUSE_OBSERVATION_MS = 1_000;

const chromiumMissing = !existsSync(CHROMIUM_PATH);
const skip = chromiumMissing && process.env.CI !== 'true'
  ? `Chromium is not installed at ${CHROMIUM_PATH} (apt-get install chromium); the dashboard browser tests are skipped. With CI=true they fail instead.`
  : false;

async function buildDashboard(t: TestContext): Promise<string> {
  const outDir = mkdtempSync(join(tmpdir(), 'playhead-dashboard-'));
  t.after(() => rmSync(outDir, { recursive: true, force: true }));
  await build({ configFile: VITE_CONFIG, logLevel: 'warn', build: { outDir, emptyOutDir: true } });
  return outDir;
}

async function startDemoServer(t: TestContext, dashboardDir: string): Promise<string> {
  const store = await openStore('sqlite::memory:');
  const bus = new InProcessBus();
  const ingestor = new Ingestor({ writer: store, bus, clock: systemClock });
  await loadDemo(ingestor);
  await loadVideoDemo(ingestor);
  const app = await buildServer({ store, bus, dashboardDir, views: DEMO_VIEWS, feedRules: DEMO_FEED_RULES, timelines: VIDEO_DEMO_TIMELINES });
  t.after(async () => {
    await app.close();
    await store.close();
  });
  await app.listen({ host: '127.0.0.1', port: 0 });
  const address = app.server.address();
  assert.ok(typeof address === 'object' && address !== null);
  return `http://127.0.0.1:${address.port}`;
}

const byTestId = (page: Page, id: string) => page.locator(`[data-testid="${id}"]`);

async function readNumber(page: Page, id: string, attribute: string): Promise<number> {
  return Number(await byTestId(page, id).getAttribute(attribute));
}

function waitForAttribute(page: Page, id: string, attribute: string, accept: string): Promise<unknown> {
  // `accept` is the body of a predicate over `value` (a string), run in the page.
  return page.waitForFunction(
    ({ id, attribute, accept }) => {
      const value = document.querySelector(`[data-testid="${id}"]`)?.getAttribute(attribute) ?? '';
      return new Function('value', `return ${accept};`)(value) as boolean;
    },
    { id, attribute, accept },
    { timeout: WAIT_MS },
  );
}

const waitForStatus = (page: Page, status: string) => waitForAttribute(page, 'status', 'data-status', `value === ${JSON.stringify(status)}`);
const waitForCountAbove = (page: Page, count: number) => waitForAttribute(page, 'event-count', 'data-count', `Number(value) > ${count}`);

/** The event times of the rows in view, top (newest) first. */
function visibleRowTimes(page: Page): Promise<number[]> {
  return page.locator('[data-testid="event-row"]:not([hidden])').evaluateAll((rows) => rows.map((row) => Number(row.getAttribute('data-ts'))));
}

/** Drags across the scrubber from one time to another; the x scale spans [start, end) of the channel. */
async function dragWindow(page: Page, range: { start: number; end: number }, from: number, to: number): Promise<void> {
  const box = await page.locator('[data-testid="scrubber"] .u-over').boundingBox();
  assert.ok(box !== null, 'the scrubber has a plot area');
  const xOf = (ts: number) => box.x + ((ts - range.start) / (range.end - range.start)) * box.width;
  const y = box.y + box.height / 2;
  await page.mouse.move(xOf(from), y);
  await page.mouse.down();
  await page.mouse.move(xOf(to), y, { steps: 8 });
  await page.mouse.up();
}

/** Pixels that are clearly coloured (the objects), as opposed to the grey grid and the dark background. */
function colouredPixels(page: Page): Promise<number> {
  return byTestId(page, 'trajectory-canvas').evaluate((canvas) => {
    const context = (canvas as HTMLCanvasElement).getContext('2d');
    if (context === null) return 0;
    const { data } = context.getImageData(0, 0, (canvas as HTMLCanvasElement).width, (canvas as HTMLCanvasElement).height);
    let count = 0;
    for (let i = 0; i < data.length; i += 4) {
      const [r = 0, g = 0, b = 0, a = 0] = [data[i], data[i + 1], data[i + 2], data[i + 3]];
      if (a > 128 && Math.max(r, g, b) - Math.min(r, g, b) > 80) count++;
    }
    return count;
  });
}

const WIKI = { start: Date.parse('2018-03-07T16:16:17Z'), end: Date.parse('2018-03-07T17:01:31Z') + 1 };

describe('dashboard', { skip }, () => {
  it('replays channels in Chromium: scrubber, transport, event list, trajectory scene', { timeout: 90_000 }, async (t) => {
    assert.ok(!chromiumMissing, `Chromium is required at ${CHROMIUM_PATH} when CI=true`);
    const dashboardDir = await buildDashboard(t);
    const origin = await startDemoServer(t, dashboardDir);
    const browser = await chromium.launch({ executablePath: CHROMIUM_PATH, args: CHROMIUM_ARGS });
    t.after(() => browser.close());
    const page = await browser.newPage({ viewport: { width: 1440, height: 900 } });
    const pageErrors: string[] = [];
    page.on('pageerror', (error) => pageErrors.push(error.message));
    mkdirSync(ARTIFACTS_DIR, { recursive: true });

    await t.test('lists the channels with counts, and cues the picked one', async () => {
      await page.goto(`${origin}/`);
      const wiki = page.locator('[data-testid="channel-item"][data-channel="wikipedia"]');
      await wiki.waitFor({ timeout: WAIT_MS });
      assert.match(await wiki.innerText(), /5,607/);
      assert.equal(await page.locator('[data-testid="channel-item"][data-channel^="trajectories."]').count(), 3);
      await wiki.click();
      await waitForStatus(page, 'paused');
      await page.locator('[data-testid="scrubber"] .u-over').waitFor();
      assert.equal(await readNumber(page, 'position', 'data-ts'), WIKI.start);
      assert.equal(await readNumber(page, 'event-count', 'data-count'), 0);
    });

    await t.test('plays a window dragged on the scrubber at 10x: events arrive and the playhead advances', async () => {
      await byTestId(page, 'speed-select').selectOption('10');
      await waitForAttribute(page, 'speed', 'data-speed', 'value === "10"');
      await dragWindow(page, WIKI, Date.parse('2018-03-07T16:17:00Z'), Date.parse('2018-03-07T16:19:00Z'));
      await waitForStatus(page, 'playing');
      assert.equal(await byTestId(page, 'loop-toggle').getAttribute('aria-pressed'), 'true');
      await waitForCountAbove(page, 20);
      const before = await readNumber(page, 'position', 'data-ts');
      await waitForAttribute(page, 'position', 'data-ts', `Number(value) > ${before}`);
      const times = await visibleRowTimes(page);
      assert.ok(times.length >= 10, `rows in view: ${times.length}`);
      // Newest first, playing forward: times never grow down the list.
      for (let i = 1; i < times.length; i++) assert.ok(times[i - 1]! >= times[i]!, `forward rows out of order: ${times.join(', ')}`);
      assert.ok(times.every((ts) => ts >= Date.parse('2018-03-07T16:16:59Z') && ts <= Date.parse('2018-03-07T16:19:01Z')), 'events come from the dragged window');
      // Enough seconds of events for the rate chart to show them in the screenshot.
      await waitForCountAbove(page, 300);
      await page.screenshot({ path: join(ARTIFACTS_DIR, 'dashboard-wikipedia.png') });
    });

    await t.test('the view panel follows the replay, and shows the live view when told', async () => {
      assert.equal(await byTestId(page, 'view-select').inputValue(), 'top_editors');
      await page.waitForFunction(() => document.querySelectorAll('[data-testid="view-bar"]').length >= 3, undefined, { timeout: WAIT_MS });
      const topValue = () => page.locator('[data-testid="view-bar"][data-rank="0"]').getAttribute('data-value').then(Number);
      const live = (await (await fetch(`${origin}/v1/views/top_editors`)).json()) as { rows: { edits: number }[] };
      const liveTop = Math.max(...live.rows.map((row) => row.edits));
      assert.ok((await topValue()) < liveTop, 'following a replay of 16:17-16:19, the top editor has fewer edits than in the whole log');
      await byTestId(page, 'view-follow').click();
      await waitForAttribute(page, 'view-follow', 'aria-pressed', 'value === "false"');
      await page.waitForFunction((expected) => document.querySelector('[data-testid="view-bar"][data-rank="0"]')?.getAttribute('data-value') === String(expected), liveTop, { timeout: WAIT_MS });
      assert.equal(await page.locator('[data-testid="view-row"]').count(), 10, 'the table shows the top 10');
      await byTestId(page, 'view-follow').click();
      await page.waitForFunction((limit) => Number(document.querySelector('[data-testid="view-bar"][data-rank="0"]')?.getAttribute('data-value')) < limit, liveTop, { timeout: WAIT_MS });
      await page.screenshot({ path: join(ARTIFACTS_DIR, 'dashboard-view.png') });
    });

    await t.test('the feed panel shows a rule-filled feed, newest first, and takes new items live', async () => {
      await byTestId(page, 'feed-panel').waitFor({ state: 'visible', timeout: WAIT_MS });
      await byTestId(page, 'feed-key').selectOption('wiki:wikidatawiki');
      await page.waitForFunction(() => document.querySelectorAll('[data-testid="feed-item"]').length === 20, undefined, { timeout: WAIT_MS });
      const post = await fetch(`${origin}/v1/channels/wikipedia/events`, {
        method: 'POST', headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ id: 'dashboard-feed-test', data: { user: 'Tester', wiki: 'wikidatawiki', title: 'Q-dashboard-test', type: 'edit', bot: false } }),
      });
      assert.equal(post.status, 201);
      await page.waitForFunction(() => document.querySelector('[data-testid="feed-item"]')?.textContent?.includes('Q-dashboard-test') === true, undefined, { timeout: WAIT_MS });
    });

    await t.test('pause (Space) stops the events; step delivers one', async () => {
      // Space on the focused play button must toggle once, not twice.
      await byTestId(page, 'play-pause').focus();
      await page.keyboard.press('Space');
      await waitForStatus(page, 'paused');
      const count = await readNumber(page, 'event-count', 'data-count');
      await page.waitForTimeout(PAUSE_OBSERVATION_MS);
      assert.equal(await readNumber(page, 'event-count', 'data-count'), count);
      assert.equal(await byTestId(page, 'status').getAttribute('data-status'), 'paused');
      await byTestId(page, 'step').click();
      await waitForCountAbove(page, count);
      assert.equal(await readNumber(page, 'event-count', 'data-count'), count + 1);
    });

    await t.test('loops a short window: the iteration counts up; L toggles the loop', async () => {
      await dragWindow(page, WIKI, Date.parse('2018-03-07T16:17:00Z'), Date.parse('2018-03-07T16:17:30Z'));
      await waitForStatus(page, 'playing');
      await waitForAttribute(page, 'iteration', 'data-iteration', 'Number(value) >= 1');
      await page.keyboard.press('l');
      await waitForAttribute(page, 'loop-toggle', 'aria-pressed', 'value === "false"');
      await page.keyboard.press('l');
      await waitForAttribute(page, 'loop-toggle', 'aria-pressed', 'value === "true"');
    });

    await t.test('reverse plays backwards: event times decrease', async () => {
      await byTestId(page, 'reverse').click();
      await waitForAttribute(page, 'speed', 'data-speed', 'value === "-10"');
      await dragWindow(page, WIKI, Date.parse('2018-03-07T16:17:00Z'), Date.parse('2018-03-07T16:19:00Z'));
      await waitForStatus(page, 'playing');
      await waitForCountAbove(page, 20);
      const before = await readNumber(page, 'position', 'data-ts');
      await waitForAttribute(page, 'position', 'data-ts', `Number(value) < ${before}`);
      const times = await visibleRowTimes(page);
      assert.ok(times.length >= 10, `rows in view: ${times.length}`);
      // Newest first, playing backwards: times never shrink down the list.
      for (let i = 1; i < times.length; i++) assert.ok(times[i - 1]! <= times[i]!, `reverse rows out of order: ${times.join(', ')}`);
    });

    await t.test('fits the window into N seconds', async () => {
      // The window is the 2 minutes dragged above (give or take a pixel): 8 s of wall time is about 15x.
      await byTestId(page, 'fit-seconds').fill('8');
      await byTestId(page, 'fit-button').click();
      await waitForAttribute(page, 'speed', 'data-speed', 'Math.abs(Number(value) - 15) < 0.6');
      await waitForStatus(page, 'playing');
    });

    await t.test('draws a session\'s timelines as state bands under the scrubber, with the playhead on them', async () => {
      await page.locator('[data-testid="channel-item"][data-channel="video.sessions"]').click();
      await waitForStatus(page, 'paused');
      await byTestId(page, 'timeline-panel').waitFor({ state: 'visible', timeout: WAIT_MS });
      await page.waitForFunction(() => document.querySelectorAll('[data-testid="timeline-row"]').length === 3, undefined, { timeout: WAIT_MS });
      const rows = await page.locator('[data-testid="timeline-row"]').evaluateAll((elements) => elements.map((row) => [row.getAttribute('data-timeline'), row.querySelectorAll('[data-testid="timeline-band"]').length]));
      assert.deepEqual(rows.map(([name]) => name), ['buffering-now', 'player-state', 'rebuffering']);
      assert.ok(rows.every(([, bands]) => Number(bands) >= 2), `every timeline has bands: ${JSON.stringify(rows)}`);
      const states = await page.locator('[data-timeline="player-state"] [data-testid="timeline-band"]').allTextContents();
      assert.ok(states.includes('play') && states.includes('buffer'), `player states drawn: ${states.join(', ')}`);
      await byTestId(page, 'timeline-playhead').waitFor({ state: 'visible', timeout: WAIT_MS });
      await page.screenshot({ path: join(ARTIFACTS_DIR, 'dashboard-timelines.png') });
    });

    await t.test('draws a trajectory channel on the canvas', async () => {
      await page.locator('[data-testid="channel-item"][data-channel="trajectories.students003"]').click();
      await waitForStatus(page, 'paused');
      assert.ok((await readNumber(page, 'speed', 'data-speed')) > 0, 'a new channel plays forward');
      await byTestId(page, 'speed-select').selectOption('10');
      await waitForAttribute(page, 'speed', 'data-speed', 'value === "10"');
      await byTestId(page, 'play-pause').click();
      await waitForStatus(page, 'playing');
      await waitForAttribute(page, 'trajectory-canvas', 'data-objects', 'Number(value) >= 5');
      // Let the objects move for a moment, so trails show in the screenshot.
      await waitForCountAbove(page, 400);
      assert.ok((await colouredPixels(page)) > 200, 'the objects are drawn');
      const rows = await page.locator('[data-testid="event-row"]').count();
      assert.ok(rows < 60, `the event list is virtualised: ${rows} rows in the DOM for hundreds of events`);
      await page.screenshot({ path: join(ARTIFACTS_DIR, 'dashboard-trajectories.png') });
    });

    assert.deepEqual(pageErrors, []);
  });
});
