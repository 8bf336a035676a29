// Builds the dashboard (web/) into web/dist, which `playhead serve` serves at `/`.
// `npm run dev:web` proxies the API to a running server (PLAYHEAD_URL, default
// http://127.0.0.1:8080) so the page talks to its own origin in both cases.
import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vite';

const webDir = fileURLToPath(new URL('.', import.meta.url));
const apiTarget = process.env.PLAYHEAD_URL ?? 'http://127.0.0.1:8080';

export default defineConfig({
  root: webDir,
  // Relative asset URLs: the build works wherever the server mounts it.
  base: './',
  build: {
    outDir: fileURLToPath(new URL('./dist', import.meta.url)),
    emptyOutDir: true,
  },
  server: {
    proxy: {
      '/v1': { target: apiTarget, ws: true },
      '/healthz': { target: apiTarget },
    },
  },
});
