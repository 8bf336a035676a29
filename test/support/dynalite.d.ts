/** The part of dynalite (a DynamoDB API on LevelDB, a devDependency without types) the tests use. */
declare module 'dynalite' {
  import type { Server } from 'node:http';

  interface DynaliteOptions {
    /** Milliseconds a table stays CREATING / DELETING / UPDATING. */
    readonly createTableMs?: number;
    readonly deleteTableMs?: number;
    readonly updateTableMs?: number;
    /** LevelDB folder; omitted: in memory. */
    readonly path?: string;
  }

  export default function dynalite(options?: DynaliteOptions): Server;
}
