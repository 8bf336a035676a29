/** Bodies of the sources API (docs/protocol.md, docs/sources.md): a mounted table's mapping and live status. */

/** Body of POST /v1/sources. */
export interface MountSourceRequest {
  readonly name: string;
  readonly url: string;
}

/** Reply to GET /v1/sources/{name} (and POST /v1/sources). */
export interface WireSource {
  readonly name: string;
  readonly kind: string;
  /** The URL as mounted, password replaced by `***`. */
  readonly url: string;
  readonly table: string;
  readonly time: { readonly column: string; readonly type: string; readonly reads: string };
  readonly id: { readonly column: string; readonly type: string };
  /** null when the table is one channel named like the source. */
  readonly key: { readonly column: string; readonly type: string; readonly channels: string } | null;
  /** Every other column: the fields of each event's `data`. */
  readonly data: readonly { readonly column: string; readonly type: string }[];
  /** `advice` is the statement to run when no index (or sort key) serves (key, time) scans. */
  readonly index: { readonly usable: boolean; readonly name: string | null; readonly advice: string | null };
  readonly live: {
    readonly pollIntervalMs: number;
    readonly lateWindowMs: number;
    /** The NOTIFY channel whose notifications poll at once (PostgreSQL), or null. */
    readonly notify: string | null;
    /** The last poll's failure, until a poll succeeds again; null while healthy. */
    readonly error: string | null;
  };
}

/** Reply to GET /v1/sources. */
export interface SourceList {
  readonly sources: readonly WireSource[];
}
