/**
 * A bench client run as its own Node process (`node --import tsx SCRIPT`):
 * it speaks JSON lines on stdout, may wait for "go" on stdin, and is
 * killed (by its own pid) if it outlives its time limit or the bench.
 */
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { onCleanup } from '../support/cleanup.js';

export class ClientProcess {
  readonly #child: ChildProcessWithoutNullStreams;
  readonly #label: string;
  readonly #lines: unknown[] = [];
  #waiters: (() => void)[] = [];
  #stderrTail = '';
  readonly #exited: Promise<number | string>;
  readonly #unregister: () => Promise<void>;

  /** `script` is a file name in bench/playback-support/. */
  constructor(script: string, args: readonly string[], label: string) {
    const path = fileURLToPath(new URL(`./${script}`, import.meta.url));
    this.#label = label;
    this.#child = spawn(process.execPath, ['--import', 'tsx', path, ...args], { stdio: ['pipe', 'pipe', 'pipe'] });
    this.#unregister = onCleanup(`stop ${label}`, () => {
      if (this.#child.exitCode === null && this.#child.signalCode === null) this.#child.kill('SIGKILL');
    });
    createInterface({ input: this.#child.stdout }).on('line', (line) => {
      if (line.trim() === '') return;
      try {
        this.#lines.push(JSON.parse(line));
      } catch {
        process.stderr.write(`[${label}] ${line}\n`);
      }
      this.#wake();
    });
    this.#child.stderr.setEncoding('utf8').on('data', (chunk: string) => {
      process.stderr.write(chunk.replace(/^(?=.)/gm, `[${label}] `));
      this.#stderrTail = (this.#stderrTail + chunk).slice(-2_000);
    });
    this.#exited = new Promise((resolve) => {
      this.#child.once('error', (error) => resolve(error.message));
      this.#child.once('close', (code, signal) => {
        resolve(signal ?? code ?? 'unknown');
        this.#wake();
      });
    });
  }

  /** The next JSON line the client prints; fails if it exits first or after `timeoutMs`. */
  async nextLine<T>(timeoutMs: number): Promise<T> {
    const deadlineMs = performance.now() + timeoutMs;
    for (;;) {
      const line = this.#lines.shift();
      if (line !== undefined) return line as T;
      if (this.#child.exitCode !== null || this.#child.signalCode !== null) {
        throw new Error(`${this.#label} exited with ${this.#child.signalCode ?? this.#child.exitCode} before its answer: ${this.#stderrTail.trim()}`);
      }
      const remainingMs = deadlineMs - performance.now();
      if (remainingMs <= 0) {
        await this.stop();
        throw new Error(`${this.#label} gave no answer within ${timeoutMs} ms`);
      }
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, remainingMs);
        this.#waiters.push(() => {
          clearTimeout(timer);
          resolve();
        });
      });
    }
  }

  /** Tells a client waiting on stdin to start. */
  go(): void {
    this.#child.stdin.write('go\n');
  }

  /** The client's last answer once it has exited with 0. */
  async result<T>(timeoutMs: number): Promise<T> {
    const answer = await this.nextLine<T>(timeoutMs);
    const status = await Promise.race([this.#exited, new Promise<string>((resolve) => setTimeout(() => resolve('timeout'), 5_000))]);
    await this.stop();
    if (status !== 0) throw new Error(`${this.#label} ended with ${status}: ${this.#stderrTail.trim()}`);
    return answer;
  }

  async stop(): Promise<void> {
    await this.#unregister();
  }

  #wake(): void {
    for (const wake of this.#waiters.splice(0)) wake();
  }
}
