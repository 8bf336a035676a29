/**
 * Runs a bench client as its own Node process (`node --import tsx SCRIPT`)
 * and resolves with the JSON of the last line it prints: the load generator
 * and the measured server never share an event loop.
 */
import { spawn } from 'node:child_process';
import { onCleanup } from './cleanup.js';

export function runJsonClient<T>(script: string, args: readonly string[], label: string): Promise<T> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', script, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    const stopClient = onCleanup(`stop the ${label}`, () => {
      child.kill('SIGTERM');
    });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => { stdout += chunk; });
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => { stderr += chunk; });
    child.once('error', (error) => {
      void stopClient();
      reject(error);
    });
    child.once('close', (code, signal) => {
      void stopClient();
      if (code !== 0) {
        reject(new Error(`${label} exited with ${signal ?? code}: ${stderr.trim().slice(-2_000)}`));
        return;
      }
      const lines = stdout.trim().split('\n');
      resolve(JSON.parse(lines[lines.length - 1] as string) as T);
    });
  });
}
