/** A `playhead serve` child process as a cluster node: started on a free port, its URL read from its banner. */
import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { onCleanup } from '../support/cleanup.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));

export interface ServeNode {
  readonly id: string;
  readonly url: string;
  readonly child: ChildProcess;
}

export async function startNode(id: string, args: readonly string[]): Promise<ServeNode> {
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', 'serve', '--port', '0', '--scene-udp-port', '0', '--node-id', id, '--log-level', 'warn', ...args], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
  onCleanup(`stop node ${id}`, () => void child.kill('SIGKILL'));
  let output = '';
  const url = await new Promise<string>((resolve, reject) => {
    child.stdout.on('data', (chunk) => {
      output += chunk;
      const match = /listening on (http:\/\/\S+)/.exec(output);
      if (match !== null) resolve(match[1] as string);
    });
    child.stderr.on('data', (chunk) => (output += chunk));
    child.once('exit', (code) => reject(new Error(`node ${id} exited with ${code}: ${output}`)));
  });
  return { id, url, child };
}
