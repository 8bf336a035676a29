/**
 * A view as Playhead maintains it: the checked, typed form of the SQL
 * subset views accept (docs/views.md). Produced by `parseViewSql`; every
 * expression names event fields by path, so the engine never sees SQL.
 */

export type CompareOperator = '=' | '<>' | '<' | '<=' | '>' | '>=';
export const AGGREGATES = ['count', 'sum', 'min', 'max', 'avg'] as const;
export type AggregateName = (typeof AGGREGATES)[number];

export type Literal = string | number | boolean | null;

export type ViewExpr =
  /** A field of an event: `['ts']`, `['data', 'user']`; `source` is the FROM alias in a join. */
  | { readonly kind: 'field'; readonly source: string; readonly path: readonly string[] }
  | { readonly kind: 'literal'; readonly value: Literal }
  | { readonly kind: 'compare'; readonly op: CompareOperator; readonly left: ViewExpr; readonly right: ViewExpr }
  | { readonly kind: 'and' | 'or'; readonly args: readonly ViewExpr[] }
  | { readonly kind: 'not'; readonly arg: ViewExpr }
  | { readonly kind: 'in'; readonly arg: ViewExpr; readonly values: readonly Literal[]; readonly negated: boolean }
  | { readonly kind: 'isNull'; readonly arg: ViewExpr; readonly negated: boolean }
  /** `count(*)` has no arg. */
  | { readonly kind: 'aggregate'; readonly name: AggregateName; readonly arg: ViewExpr | null; readonly distinct: boolean };

export interface ViewSource {
  readonly channel: string;
  /** The FROM alias, or the channel name. */
  readonly alias: string;
}

export interface ViewColumn {
  readonly name: string;
  readonly expr: ViewExpr;
}

export interface ViewPlan {
  readonly name: string;
  /** One channel, or two for an inner equi-join. */
  readonly sources: readonly ViewSource[];
  /** For a join: the two fields that must be equal. */
  readonly joinOn: { readonly left: ViewExpr; readonly right: ViewExpr } | null;
  readonly where: ViewExpr | null;
  /**
   * `ts > now() - INTERVAL '5 minutes'`: rows leave as the reader's clock
   * moves. `source` is the alias whose events the window bounds (in a join,
   * the other channel's events stay).
   */
  readonly slidingWindow: { readonly source: string; readonly ms: number } | null;
  readonly columns: readonly ViewColumn[];
  readonly groupBy: readonly ViewExpr[];
  readonly having: ViewExpr | null;
  readonly orderBy: readonly { readonly expr: ViewExpr; readonly descending: boolean }[];
  readonly limit: number | null;
}
