/**
 * The README's plain-HTML example (examples/client.html) works in a real
 * browser: it imports /playhead-client.js from the server across origins
 * and plays the wikipedia channel.
 */
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import { chromium } from 'playwright-core';
import { startListeningServer } from '../support/listening-server.js';

const CHROMIUM_PATH = '/usr/bin/chromium';
const EXAMPLE = fileURLToPath(new URL('../../examples/client.html', import.meta.url));
const CLIENT_ENTRY = fileURLToPath(new URL('../../client/index.ts', import.meta.url));
const skip = !existsSync(CHROMIUM_PATH) && process.env.CI !== 'true' ? `Chromium is not installed at ${CHROMIUM_PATH}; skipped (CI=true fails instead)` : false;

describe('examples/client.html', () => {
  it('is the example the README shows', () => {
    const readme = readFileSync(new URL('../../README.md', import.meta.url), 'utf8');
    assert.ok(readme.includes(readFileSync(EXAMPLE, 'utf8').trim()), 'README.md and examples/client.html differ: copy one into the other');
  });
});

describe('examples/client.html in a browser', { skip }, () => {
  it('plays wikipedia from a page of another origin through /playhead-client.js', async (t) => {
    const dashboardDir = mkdtempSync(join(tmpdir(), 'playhead-example-'));
    t.after(() => rmSync(dashboardDir, { recursive: true, force: true }));
    writeFileSync(join(dashboardDir, 'index.html'), '<!doctype html>');
    await build({ entryPoints: [CLIENT_ENTRY], bundle: true, format: 'esm', outfile: join(dashboardDir, 'playhead-client.js'), logLevel: 'warning' });
    const server = await startListeningServer(t, { dashboardDir });
    const T0 = Date.UTC(2018, 2, 7, 16, 16, 17);
    await server.post('wikipedia', Array.from({ length: 5 }, (_, i) => ({ time: T0 + i * 1_000, data: { user: `u${i}`, title: `Q${i}` } })));

    const browser = await chromium.launch({ executablePath: CHROMIUM_PATH, args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking'] });
    t.after(() => browser.close());
    const page = await browser.newPage();
    const html = readFileSync(EXAMPLE, 'utf8').replaceAll('127.0.0.1:8080', `127.0.0.1:${server.port}`);
    await page.setContent(html);
    await page.waitForFunction(() => (document.getElementById('log')?.textContent ?? '').includes('u4 edited Q4'), undefined, { timeout: 15_000 });
    assert.match(await page.title(), /^playing 2018-03-07T16:1/);
  });
});
