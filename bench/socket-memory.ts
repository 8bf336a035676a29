/**
 * bench:socket-memory: what one idle live subscriber costs a node in
 * memory, for the capacity model in docs/scaling.md. A `playhead serve`
 * process (in-memory SQLite) gets --sockets WebSocket connections, each
 * live on one channel; its resident memory (VmRSS) is read before and
 * after, and one event is posted to check that every socket still gets it.
 *
 *   npx tsx bench/socket-memory.ts [--sockets 5000]
 */
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import WebSocket from 'ws';
import { startServeProcess } from '../test/support/cli-process.js';
import { onCleanup, runCleanup } from './support/cleanup.js';

const { values } = parseArgs({ options: { sockets: { type: 'string', default: '5000' } } });
const SOCKETS = Number(values.sockets);
const progress = (message: string) => process.stderr.write(`[bench:socket-memory] ${message}\n`);
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

function residentBytes(pid: number): number {
  const line = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return Number(line?.[1] ?? 0) * 1024;
}

async function main(): Promise<void> {
  const { child, url } = await startServeProcess(['--store', 'sqlite::memory:']);
  onCleanup('stop the server', () => void child.kill('SIGKILL'));
  const pid = child.pid as number;
  await sleep(2_000);
  const before = residentBytes(pid);
  let received = 0;
  const sockets: WebSocket[] = [];
  onCleanup('close the sockets', () => sockets.forEach((socket) => socket.terminate()));
  for (let i = 0; i < SOCKETS; i += 1) {
    sockets.push(await new Promise<WebSocket>((resolve, reject) => {
      const socket = new WebSocket(`${url.replace('http:', 'ws:')}/v1/channels/idle/ws`);
      socket.on('message', (data) => {
        const message = JSON.parse(String(data)) as { type: string; status?: string };
        if (message.type === 'state' && message.status === 'live') resolve(socket);
        if (message.type === 'event') received += 1;
      });
      socket.once('error', reject);
    }));
    if (i % 1_000 === 999) progress(`${i + 1} sockets live`);
  }
  await sleep(3_000);
  const after = residentBytes(pid);
  await fetch(`${url}/v1/channels/idle/events`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"data":{"ping":1}}' });
  const deadline = Date.now() + 10_000;
  while (received < SOCKETS && Date.now() < deadline) await sleep(50);
  process.stdout.write(`${JSON.stringify({ bench: 'socket_memory', sockets: SOCKETS, rss_before_mb: Math.round(before / 2 ** 20), rss_after_mb: Math.round(after / 2 ** 20), bytes_per_socket: Math.round((after - before) / SOCKETS), event_received_by: received })}\n`);
}

main().then(runCleanup, async (error: unknown) => {
  process.stderr.write(`[bench:socket-memory] failed: ${error instanceof Error ? error.stack : String(error)}\n`);
  await runCleanup();
  process.exitCode = 1;
});
