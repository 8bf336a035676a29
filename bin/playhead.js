#!/usr/bin/env node
// The installed command runs the compiled CLI (npm ci builds it through "prepare").
import { existsSync } from 'node:fs';

const entry = new URL('../dist/src/cli/main.js', import.meta.url);
if (!existsSync(entry)) {
  console.error('playhead: dist/ is missing: run "npm run build" (npm ci does it for you)');
  process.exit(1);
}
await import(entry.href);
