/** Finds Playhead's own folder (for data/demo and the dashboard) from source and from dist/ alike. */
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export function packageRoot(): string {
  let folder = dirname(fileURLToPath(import.meta.url));
  while (!existsSync(join(folder, 'package.json'))) {
    const parent = dirname(folder);
    if (parent === folder) throw new Error('cannot find the playhead package folder above ' + fileURLToPath(import.meta.url));
    folder = parent;
  }
  return folder;
}
