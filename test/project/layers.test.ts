/**
 * DESIGN's layer table as a check: imports point down only, domains never
 * import the server, the client imports only the protocol, and drivers are
 * imported only inside their adapter folders.
 */
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));

/** Which layers each layer may import (itself always allowed). */
const ALLOWED: Readonly<Record<string, readonly string[]>> = {
  protocol: [],
  core: ['protocol'],
  store: ['core', 'protocol'],
  live: ['core', 'protocol'],
  ingest: ['core', 'protocol', 'store', 'live'],
  playback: ['core', 'protocol', 'store', 'live'],
  views: ['core', 'protocol', 'store', 'live', 'playback'],
  timeline: ['core', 'protocol', 'store', 'live', 'playback'],
  scenes: ['core', 'protocol', 'store', 'live', 'playback'],
  feeds: ['core', 'protocol', 'store', 'live', 'playback'],
  server: ['core', 'protocol', 'store', 'live', 'ingest', 'playback', 'views', 'timeline', 'scenes', 'feeds'],
  cli: ['core', 'protocol', 'store', 'live', 'ingest', 'playback', 'views', 'timeline', 'scenes', 'feeds', 'server'],
};

/** Driver packages and the only folders that may import them. */
const DRIVERS: Readonly<Record<string, string | readonly string[]>> = {
  'better-sqlite3': 'src/store/sqlite/',
  pg: ['src/store/postgres/', 'src/live/postgres/'],
  'pg-copy-streams': 'src/store/postgres/',
  nats: 'src/live/nats/',
  '@aws-sdk/client-dynamodb': 'src/store/dynamodb/',
  '@aws-sdk/lib-dynamodb': 'src/store/dynamodb/',
};

function sourceFiles(folder: string): string[] {
  return readdirSync(folder).flatMap((name) => {
    const path = join(folder, name);
    if (statSync(path).isDirectory()) return sourceFiles(path);
    return path.endsWith('.ts') ? [path] : [];
  });
}

function imports(path: string): string[] {
  const text = readFileSync(path, 'utf8');
  return [...text.matchAll(/(?:from\s+|import\s*\(\s*)'([^']+)'/g)].map((match) => match[1] as string);
}

function layerOf(path: string): string | undefined {
  const parts = relative(ROOT, path).split('/');
  return parts[0] === 'src' && parts.length > 2 ? parts[1] : undefined;
}

describe('layer rule (DESIGN "Layers")', () => {
  it('lets every src/ file import only its own layer and the layers below', () => {
    const violations: string[] = [];
    for (const file of sourceFiles(join(ROOT, 'src'))) {
      const layer = layerOf(file);
      if (layer === undefined) continue;
      assert.ok(ALLOWED[layer], `${relative(ROOT, file)}: layer ${layer} is not in the table; add it to DESIGN.md and this test`);
      for (const specifier of imports(file).filter((s) => s.startsWith('.'))) {
        const target = layerOf(resolve(dirname(file), specifier));
        if (target !== undefined && target !== layer && !ALLOWED[layer]?.includes(target)) {
          violations.push(`${relative(ROOT, file)} imports ${specifier} (${layer} -> ${target})`);
        }
      }
    }
    assert.deepEqual(violations, []);
  });

  it('keeps drivers inside their adapter folders', () => {
    const violations: string[] = [];
    for (const file of sourceFiles(join(ROOT, 'src'))) {
      const path = relative(ROOT, file);
      for (const specifier of imports(file)) {
        const home = DRIVERS[specifier];
        const homes = typeof home === 'string' ? [home] : home;
        if (homes !== undefined && !homes.some((folder) => path.startsWith(folder))) violations.push(`${path} imports ${specifier} (only ${homes.join(', ')} may)`);
      }
    }
    assert.deepEqual(violations, []);
  });

  it('lets client/ import only itself and src/protocol, and no package', () => {
    const violations: string[] = [];
    for (const file of sourceFiles(join(ROOT, 'client'))) {
      for (const specifier of imports(file)) {
        const target = relative(ROOT, resolve(dirname(file), specifier));
        const allowed = specifier.startsWith('.') && (target.startsWith('client/') || target.startsWith('src/protocol/'));
        if (!allowed) violations.push(`${relative(ROOT, file)} imports ${specifier}`);
      }
    }
    assert.deepEqual(violations, []);
  });

  it('keeps src/protocol free of I/O and third-party packages, so the client can use it in a browser', () => {
    const violations = sourceFiles(join(ROOT, 'src', 'protocol')).flatMap((file) =>
      imports(file).filter((s) => !s.startsWith('.')).map((s) => `${relative(ROOT, file)} imports ${s}`));
    assert.deepEqual(violations, []);
  });
});
