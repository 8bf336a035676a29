/**
 * Compiles a timeline query to a plan: nodes flattened children-first (so
 * one pass per event computes them in order), the columns the query reads
 * resolved once into an index, event predicates as closures, and duration
 * constants converted to the ms the evaluator counts in.
 */
import type { Comparator } from './pointwise.js';
import { compareScalar } from './pointwise.js';
import { isDurationNode, type AggregateSpec, type PredicateNode, type TimelineNode, type TimelineQuery } from './timeline-ast.js';
import type { Scalar } from './timeline-piece.js';
import { parseTimeline } from './parse-timeline.js';
import { compileKernels, type StepKernel } from './step-kernels.js';
import { tailLayout, type TailLayout } from './tail-layout.js';

/** One event as the evaluator sees it: its order and the values of the columns the plan reads. */
export interface TimelineRow {
  readonly ts: number;
  readonly seq: number;
  /** By column index; undefined when the event lacks the column or it is not a string, number or boolean. */
  readonly values: readonly (Scalar | undefined)[];
}

/** Reads the event's column values from `values[base]` on. */
export type RowPredicate = (values: readonly (Scalar | undefined)[], base: number) => boolean;

export type PlanNode =
  | { readonly op: 'latest_event_to_state'; readonly column: number }
  | { readonly op: 'has_existed'; readonly where: RowPredicate }
  | { readonly op: 'has_existed_within'; readonly where: RowPredicate; readonly windowMs: number }
  | { readonly op: 'compare'; readonly child: number; readonly cmp: Comparator; readonly constant: Scalar }
  | { readonly op: 'and' | 'or'; readonly children: readonly number[] }
  | { readonly op: 'not' | 'duration_where' | 'duration_in_cur_state'; readonly child: number };

export interface TimelinePlan {
  readonly query: TimelineQuery;
  /** Children before parents. */
  readonly nodes: readonly PlanNode[];
  /** Nodes whose state just before an instant is needed (duration_in_cur_state and its child). */
  readonly needsLeft: readonly boolean[];
  /** Column paths (within `data`), by index. */
  readonly columns: readonly (readonly string[])[];
  /** A compiled reader of each column. */
  readonly readers: readonly ColumnReader[];
  /** The query's result node. */
  readonly root: number;
  /** The latest value of the group_by column, or -1. */
  readonly groupRoot: number;
  /** The result is a duration: ms inside, seconds outside. */
  readonly rootIsDuration: boolean;
  readonly aggregate: AggregateSpec | undefined;
  /** Where each node's tail lives in a key's flat state. */
  readonly layout: TailLayout;
  /** The incremental rule of each node, compiled (by node, children first). */
  readonly kernels: readonly StepKernel[];
}

const MS_PER_SECOND = 1_000;

/** `a.b` and `data.a.b` both name `data.a.b` of the event. */
export function columnSegments(path: string): string[] {
  const segments = path.split('.');
  return segments[0] === 'data' && segments.length > 1 ? segments.slice(1) : segments;
}

export function readColumn(data: unknown, segments: readonly string[]): Scalar | undefined {
  let value = data;
  for (const segment of segments) {
    if (typeof value !== 'object' || value === null || !Object.hasOwn(value, segment)) return undefined;
    value = (value as Record<string, unknown>)[segment];
  }
  if (typeof value === 'string' || typeof value === 'boolean') return value;
  return typeof value === 'number' && Number.isFinite(value) ? value : undefined;
}

export type ColumnReader = (data: unknown) => Scalar | undefined;

/** readColumn for one path, compiled: a one-segment path (the usual case) reads without a loop. */
export function columnReader(segments: readonly string[]): ColumnReader {
  if (segments.length !== 1) return (data) => readColumn(data, segments);
  const name = segments[0] as string;
  return (data) => {
    if (typeof data !== 'object' || data === null || !Object.hasOwn(data, name)) return undefined;
    const value = (data as Record<string, unknown>)[name];
    if (typeof value === 'string' || typeof value === 'boolean') return value;
    return typeof value === 'number' && Number.isFinite(value) ? value : undefined;
  };
}

/** Compiles DSL text or a JSON AST (TimelineQuery); throws `invalid_timeline`. */
export function compileTimeline(query: unknown): TimelinePlan {
  const parsed = parseTimeline(query);
  const nodes: PlanNode[] = [];
  const columns: string[][] = [];
  const columnIndex = new Map<string, number>();
  const columnOf = (path: string): number => {
    const segments = columnSegments(path);
    const key = segments.join('.');
    let index = columnIndex.get(key);
    if (index === undefined) {
      index = columns.length;
      columns.push(segments);
      columnIndex.set(key, index);
    }
    return index;
  };
  const predicate = (node: PredicateNode): RowPredicate => {
    switch (node.op) {
      case 'compare': {
        const index = columnOf(node.column);
        const { cmp, value } = node;
        return (values, base) => {
          const found = values[base + index];
          return found !== undefined && compareScalar(found, cmp, value) === true;
        };
      }
      case 'and': {
        const parts = node.args.map(predicate);
        return (values, base) => {
          for (const part of parts) if (!part(values, base)) return false;
          return true;
        };
      }
      case 'or': {
        const parts = node.args.map(predicate);
        return (values, base) => {
          for (const part of parts) if (part(values, base)) return true;
          return false;
        };
      }
      case 'not': {
        const inner = predicate(node.arg);
        return (values, base) => !inner(values, base);
      }
    }
  };
  const add = (node: PlanNode): number => nodes.push(node) - 1;
  const visit = (node: TimelineNode): number => {
    switch (node.op) {
      case 'latest_event_to_state':
        return add({ op: node.op, column: columnOf(node.column) });
      case 'has_existed':
        return add({ op: node.op, where: predicate(node.where) });
      case 'has_existed_within':
        return add({ op: node.op, where: predicate(node.where), windowMs: node.windowMs });
      case 'compare': {
        const child = visit(node.arg);
        const constant = isDurationNode(node.arg) && typeof node.value === 'number' ? node.value * MS_PER_SECOND : node.value;
        return add({ op: node.op, child, cmp: node.cmp, constant });
      }
      case 'and':
      case 'or':
        return add({ op: node.op, children: node.args.map(visit) });
      case 'not':
      case 'duration_where':
      case 'duration_in_cur_state':
        return add({ op: node.op, child: visit(node.arg) });
    }
  };
  const root = visit(parsed.timeline);
  const groupBy = parsed.aggregate?.groupBy;
  const groupRoot = groupBy === undefined ? -1 : add({ op: 'latest_event_to_state', column: columnOf(groupBy) });
  const needsLeft = nodes.map(() => false);
  nodes.forEach((node, index) => {
    if (node.op === 'duration_in_cur_state') {
      needsLeft[index] = true;
      needsLeft[node.child] = true;
    }
  });
  return Object.freeze({
    query: parsed, nodes, needsLeft, columns, readers: columns.map(columnReader), root, groupRoot,
    rootIsDuration: isDurationNode(parsed.timeline), aggregate: parsed.aggregate,
    layout: tailLayout(nodes, needsLeft), kernels: compileKernels(nodes),
  });
}

/** Projects an event to the row the plan reads. */
export function toRow(plan: TimelinePlan, ts: number, seq: number, data: unknown): TimelineRow {
  const values = new Array<Scalar | undefined>(plan.columns.length);
  for (let index = 0; index < plan.columns.length; index += 1) values[index] = readColumn(data, plan.columns[index] as string[]);
  return { ts, seq, values };
}
