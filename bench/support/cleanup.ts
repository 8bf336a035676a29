/**
 * What the bench must undo however it ends (temp files, the PostgreSQL
 * schema, client processes, NATS streams): tasks run last-registered first, once, on
 * normal exit, on error and on SIGINT/SIGTERM.
 */

type Task = () => void | Promise<void>;

const tasks: { readonly label: string; readonly task: Task }[] = [];

/** Registers a task; the returned function runs it now (once) and unregisters it. */
export function onCleanup(label: string, task: Task): () => Promise<void> {
  const entry = { label, task };
  tasks.push(entry);
  return async () => {
    const index = tasks.indexOf(entry);
    if (index === -1) return;
    tasks.splice(index, 1);
    await task();
  };
}

/** Runs every registered task, newest first; a failing task is reported and the others still run. */
export async function runCleanup(): Promise<void> {
  while (tasks.length > 0) {
    const { label, task } = tasks.pop() as (typeof tasks)[number];
    try {
      await task();
    } catch (error) {
      process.stderr.write(`[bench] cleanup "${label}" failed: ${error instanceof Error ? error.message : String(error)}\n`);
    }
  }
}

/** On SIGINT/SIGTERM: clean up, then exit 130/143. */
export function cleanupOnSignals(): void {
  for (const [signal, code] of [['SIGINT', 130], ['SIGTERM', 143]] as const) {
    process.once(signal, () => {
      process.stderr.write(`[bench] ${signal}: cleaning up\n`);
      void runCleanup().finally(() => process.exit(code));
    });
  }
}
