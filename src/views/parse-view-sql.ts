/**
 * Compiles `CREATE VIEW name AS SELECT ...` into a ViewPlan. The SQL is
 * parsed by the real PostgreSQL parser (libpg-query, WASM; DESIGN), so
 * syntax errors carry PostgreSQL's own message and position; anything
 * outside the subset of docs/views.md is refused naming the part and its
 * position.
 */
import { parse } from 'libpg-query';
import { PlayheadError } from '../core/errors.js';
import { AGGREGATES, type AggregateName, type CompareOperator, type Literal, type ViewExpr, type ViewPlan, type ViewSource } from './view-plan.js';

type Node = Record<string, unknown>;

const COMPARE_OPERATORS: readonly string[] = ['=', '<>', '!=', '<', '<=', '>', '>='];
const EVENT_COLUMNS = new Set(['ts', 'seq', 'id', 'data']);
const UNSUPPORTED_SELECT_PARTS: Readonly<Record<string, string>> = {
  distinctClause: 'SELECT DISTINCT', withClause: 'WITH', windowClause: 'WINDOW', valuesLists: 'VALUES',
  lockingClause: 'FOR UPDATE', intoClause: 'SELECT INTO', limitOffset: 'OFFSET',
};
const INTERVAL_UNITS_MS: readonly [RegExp, number][] = [
  [/^(ms|msecs?|milliseconds?)$/, 1], [/^(s|secs?|seconds?)$/, 1_000], [/^(m|mins?|minutes?)$/, 60_000],
  [/^(h|hours?)$/, 3_600_000], [/^(d|days?)$/, 86_400_000],
];

export async function parseViewSql(sql: string): Promise<ViewPlan> {
  let tree: { stmts?: { stmt: Node }[] };
  try {
    // The parser's node types are generated unions; the compiler reads them as plain records.
    tree = (await parse(sql)) as unknown as { stmts?: { stmt: Node }[] };
  } catch (error) {
    const position = (error as { sqlDetails?: { cursorPosition?: number } }).sqlDetails?.cursorPosition;
    throw refuse(`${(error as Error).message}${position === undefined ? '' : ` (at index ${position})`}`, position);
  }
  const statements = tree.stmts ?? [];
  if (statements.length !== 1) throw refuse(`expected one CREATE VIEW statement, got ${statements.length}`);
  const view = (statements[0] as { stmt: Node }).stmt.ViewStmt as Node | undefined;
  if (view === undefined) throw refuse('expected CREATE VIEW name AS SELECT ...', 0);
  const name = ((view.view as Node).relname as string);
  const select = (view.query as Node).SelectStmt as Node | undefined;
  if (select === undefined) throw refuse('a view must be a SELECT', 0);
  return new ViewCompiler(sql).compile(name, select);
}

function refuse(message: string, position?: number): PlayheadError {
  return new PlayheadError('invalid_view', message, { position });
}

class ViewCompiler {
  readonly #sql: string;
  readonly #sources: ViewSource[] = [];

  constructor(sql: string) {
    this.#sql = sql;
  }

  compile(name: string, select: Node): ViewPlan {
    for (const [key, part] of Object.entries(UNSUPPORTED_SELECT_PARTS)) {
      if (select[key] !== undefined) throw this.#unsupported(part, select[key]);
    }
    if (select.op !== 'SETOP_NONE') throw refuse(`${String(select.op).replace('SETOP_', '')} is not supported in a view`);
    const joinOn = this.#from(select.fromClause as Node[] | undefined);
    const { where, slidingWindow } = this.#where(select.whereClause as Node | undefined);
    const columns = ((select.targetList as Node[] | undefined) ?? []).map((target) => this.#column(target.ResTarget as Node));
    const groupBy = ((select.groupClause as Node[] | undefined) ?? []).map((node) => this.#expr(node, 'GROUP BY'));
    const having = select.havingClause === undefined ? null : this.#expr(select.havingClause as Node, 'HAVING', true);
    const orderBy = ((select.sortClause as Node[] | undefined) ?? []).map((node) => {
      const sort = node.SortBy as Node;
      const byName = this.#outputColumn(sort.node as Node, columns);
      return { expr: byName ?? this.#expr(sort.node as Node, 'ORDER BY', true), descending: sort.sortby_dir === 'SORTBY_DESC' };
    });
    const plan: ViewPlan = { name, sources: this.#sources, joinOn, where, slidingWindow, columns, groupBy, having, orderBy, limit: this.#limit(select.limitCount as Node | undefined) };
    this.#checkGrouping(plan);
    return plan;
  }

  #from(from: Node[] | undefined): ViewPlan['joinOn'] {
    if (from === undefined || from.length !== 1) throw refuse('a view reads FROM one channel, or two joined with JOIN ... ON');
    const item = from[0] as Node;
    if (item.RangeVar !== undefined) {
      this.#addSource(item.RangeVar as Node);
      return null;
    }
    const join = item.JoinExpr as Node | undefined;
    if (join === undefined) throw this.#unsupported('this FROM item', item);
    if (join.jointype !== 'JOIN_INNER' || join.quals === undefined) throw this.#unsupported(`${String(join.jointype).replace('JOIN_', '')} JOIN (only inner JOIN ... ON)`, join.larg);
    for (const side of [join.larg, join.rarg] as Node[]) {
      if (side.RangeVar === undefined) throw this.#unsupported('a nested join or subquery', side);
      this.#addSource(side.RangeVar as Node);
    }
    const on = this.#expr(join.quals as Node, 'JOIN ON');
    const usable = on.kind === 'compare' && on.op === '=' && on.left.kind === 'field' && on.right.kind === 'field' && on.left.source !== on.right.source;
    if (!usable) throw this.#unsupported('this JOIN condition (only an equality of a field of each channel)', join.quals);
    return { left: on.left, right: on.right };
  }

  #addSource(range: Node): void {
    const channel = range.relname as string;
    const alias = ((range.alias as Node | undefined)?.aliasname as string | undefined) ?? channel;
    if (this.#sources.some((source) => source.alias === alias)) throw refuse(`the name ${alias} is used twice in FROM: give each channel its own alias`, range.location as number);
    this.#sources.push({ channel, alias });
  }

  /** Splits the sliding window (`ts > now() - INTERVAL '5 minutes'`, a top-level AND term) from the filter. */
  #where(node: Node | undefined): { where: ViewExpr | null; slidingWindow: ViewPlan['slidingWindow'] } {
    if (node === undefined) return { where: null, slidingWindow: null };
    const and = node.BoolExpr as Node | undefined;
    const terms = and?.boolop === 'AND_EXPR' ? (and.args as Node[]) : [node];
    let slidingWindow: ViewPlan['slidingWindow'] = null;
    const rest: ViewExpr[] = [];
    for (const term of terms) {
      const window = this.#slidingWindow(term);
      if (window === null) rest.push(this.#expr(term, 'WHERE'));
      else slidingWindow = window;
    }
    const where = rest.length === 0 ? null : rest.length === 1 ? (rest[0] as ViewExpr) : { kind: 'and' as const, args: rest };
    return { where, slidingWindow };
  }

  #slidingWindow(term: Node): ViewPlan['slidingWindow'] {
    const expr = term.A_Expr as Node | undefined;
    if (expr?.kind !== 'AEXPR_OP' || !['>', '>='].includes(operator(expr))) return null;
    const field = (expr.lexpr as Node).ColumnRef as Node | undefined;
    const minus = (expr.rexpr as Node).A_Expr as Node | undefined;
    if (field === undefined || minus === undefined || operator(minus) !== '-') return null;
    const path = this.#fieldPath(field);
    const now = (minus.lexpr as Node).FuncCall as Node | undefined;
    const cast = (minus.rexpr as Node).TypeCast as Node | undefined;
    if (path.path.join('.') !== 'ts' || now === undefined || names(now.funcname) !== 'now' || cast === undefined) return null;
    const text = (((cast.arg as Node).A_Const as Node | undefined)?.sval as Node | undefined)?.sval as string | undefined;
    if (text === undefined || !names((cast.typeName as Node).names).endsWith('interval')) throw this.#unsupported('this window bound (use now() - INTERVAL \'5 minutes\')', minus);
    return { source: path.source, ms: this.#intervalMs(text, cast) };
  }

  #intervalMs(text: string, at: Node): number {
    const match = /^\s*(\d+(?:\.\d+)?)\s*([a-z]+)\s*$/i.exec(text);
    const unitMs = match === null ? undefined : INTERVAL_UNITS_MS.find(([pattern]) => pattern.test((match[2] as string).toLowerCase()))?.[1];
    if (match === null || unitMs === undefined) throw this.#unsupported(`INTERVAL '${text}' (use one number and a unit: ms, seconds, minutes, hours, days)`, at);
    return Number(match[1]) * unitMs;
  }

  #column(target: Node): ViewPlan['columns'][number] {
    const expr = this.#expr(target.val as Node, 'SELECT', true);
    const name = (target.name as string | undefined) ?? (expr.kind === 'field' ? (expr.path.at(-1) as string) : expr.kind === 'aggregate' ? expr.name : undefined);
    if (name === undefined) throw refuse(`name this column with AS (at index ${location(target)})`, location(target));
    return { name, expr };
  }

  #outputColumn(node: Node, columns: ViewPlan['columns']): ViewExpr | undefined {
    const fields = (node.ColumnRef as Node | undefined)?.fields as Node[] | undefined;
    if (fields?.length !== 1) return undefined;
    const name = (fields[0]?.String as Node | undefined)?.sval;
    return columns.find((column) => column.name === name)?.expr;
  }

  #expr(node: Node, clause: string, aggregatesAllowed = false): ViewExpr {
    const [type, body] = Object.entries(node)[0] as [string, Node];
    switch (type) {
      case 'ColumnRef': return { kind: 'field', ...this.#fieldPath(body) };
      case 'A_Const': return { kind: 'literal', value: literal(body) };
      case 'BoolExpr': {
        const args = (body.args as Node[]).map((arg) => this.#expr(arg, clause, aggregatesAllowed));
        if (body.boolop === 'NOT_EXPR') return { kind: 'not', arg: args[0] as ViewExpr };
        return { kind: body.boolop === 'AND_EXPR' ? 'and' : 'or', args };
      }
      case 'NullTest': return { kind: 'isNull', arg: this.#expr(body.arg as Node, clause, aggregatesAllowed), negated: body.nulltesttype === 'IS_NOT_NULL' };
      case 'A_Expr': return this.#operator(body, clause, aggregatesAllowed);
      case 'FuncCall': return this.#aggregate(body, clause, aggregatesAllowed);
      default: throw this.#unsupported(describeNode(type), body);
    }
  }

  #operator(body: Node, clause: string, aggregatesAllowed: boolean): ViewExpr {
    const op = operator(body);
    const left = this.#expr(body.lexpr as Node, clause, aggregatesAllowed);
    if (body.kind === 'AEXPR_IN') {
      const items = ((body.rexpr as Node).List as Node | undefined)?.items as Node[] | undefined ?? [body.rexpr as Node];
      const values = items.map((item) => {
        if (item.A_Const === undefined) throw this.#unsupported('a non-constant in IN (...)', item);
        return literal(item.A_Const as Node);
      });
      return { kind: 'in', arg: left, values, negated: op === '<>' };
    }
    if (body.kind !== 'AEXPR_OP' || !COMPARE_OPERATORS.includes(op)) throw this.#unsupported(`operator ${op}`, body);
    const right = this.#expr(body.rexpr as Node, clause, aggregatesAllowed);
    return { kind: 'compare', op: (op === '!=' ? '<>' : op) as CompareOperator, left, right };
  }

  #aggregate(body: Node, clause: string, aggregatesAllowed: boolean): ViewExpr {
    const name = names(body.funcname);
    if (!(AGGREGATES as readonly string[]).includes(name)) throw this.#unsupported(`function ${name}() (views support ${AGGREGATES.join(', ')}; now() only in a sliding window)`, body);
    if (!aggregatesAllowed) throw this.#unsupported(`${name}() in ${clause} (aggregates belong in SELECT, HAVING or ORDER BY)`, body);
    if (body.over !== undefined || body.agg_filter !== undefined || body.agg_order !== undefined) throw this.#unsupported(`${name}() with OVER, FILTER or ORDER BY`, body);
    const args = (body.args as Node[] | undefined) ?? [];
    if (body.agg_star === true) {
      if (name !== 'count') throw this.#unsupported(`${name}(*)`, body);
      return { kind: 'aggregate', name: 'count', arg: null, distinct: false };
    }
    if (args.length !== 1) throw this.#unsupported(`${name}() with ${args.length} arguments`, body);
    return { kind: 'aggregate', name: name as AggregateName, arg: this.#expr(args[0] as Node, clause), distinct: body.agg_distinct === true };
  }

  #fieldPath(columnRef: Node): { source: string; path: string[] } {
    const fields = columnRef.fields as Node[];
    if (fields.some((field) => field.A_Star !== undefined)) throw this.#unsupported('* (name the fields you need, e.g. data.user)', columnRef);
    const parts = fields.map((field) => (field.String as Node).sval as string);
    const [first, ...rest] = parts as [string, ...string[]];
    const alias = this.#sources.find((source) => source.alias === first);
    const source = alias === undefined || rest.length === 0 ? (this.#sources[0]?.alias ?? '') : alias.alias;
    const path = alias === undefined || rest.length === 0 ? parts : rest;
    if (alias === undefined && this.#sources.length > 1) throw refuse(`prefix ${parts.join('.')} with a channel alias: this view joins two channels (at index ${location(columnRef)})`, location(columnRef));
    if (!EVENT_COLUMNS.has(path[0] as string) || (path[0] !== 'data' && path.length > 1)) {
      throw refuse(`unknown column ${parts.join('.')}: an event has ts, seq, id and data.<path> (at index ${location(columnRef)})`, location(columnRef));
    }
    return { source, path };
  }

  #limit(node: Node | undefined): number | null {
    if (node === undefined) return null;
    const value = node.A_Const === undefined ? undefined : literal(node.A_Const as Node);
    if (typeof value !== 'number' || !Number.isInteger(value) || value < 1) throw this.#unsupported('this LIMIT (use a positive whole number)', node);
    return value;
  }

  #checkGrouping(plan: ViewPlan): void {
    const aggregated = plan.groupBy.length > 0 || plan.columns.some((column) => column.expr.kind === 'aggregate');
    if (!aggregated) return;
    const grouped = new Set(plan.groupBy.map((expr) => JSON.stringify(expr)));
    for (const column of plan.columns) {
      if (column.expr.kind !== 'aggregate' && !grouped.has(JSON.stringify(column.expr))) {
        throw refuse(`column ${column.name} must appear in GROUP BY or be inside an aggregate`);
      }
    }
  }

  #unsupported(what: string, node: unknown): PlayheadError {
    const position = location(node);
    const at = position === undefined ? '' : ` (at index ${position}: "${this.#sql.slice(position, position + 20)}")`;
    return refuse(`views do not support ${what}${at}`, position);
  }
}

function operator(expr: Node): string {
  return names(expr.name);
}

function names(list: unknown): string {
  return ((list as Node[] | undefined) ?? []).map((item) => (item.String as Node).sval as string).join('.');
}

function literal(body: Node): Literal {
  if (body.isnull === true) return null;
  if (body.ival !== undefined) return ((body.ival as Node).ival as number | undefined) ?? 0;
  if (body.fval !== undefined) return Number((body.fval as Node).fval);
  if (body.boolval !== undefined) return ((body.boolval as Node).boolval as boolean | undefined) ?? false;
  return ((body.sval as Node).sval as string | undefined) ?? '';
}

/** The character index of a node (or of its first located child), for error messages. */
function location(node: unknown): number | undefined {
  if (typeof node !== 'object' || node === null) return undefined;
  const record = node as Node;
  if (typeof record.location === 'number' && record.location >= 0) return record.location;
  for (const value of Object.values(record)) {
    const found = location(value);
    if (found !== undefined) return found;
  }
  return undefined;
}

function describeNode(type: string): string {
  const known: Readonly<Record<string, string>> = {
    SubLink: 'subqueries', CaseExpr: 'CASE', TypeCast: 'casts (::)', CoalesceExpr: 'COALESCE', ParamRef: 'parameters ($1)',
  };
  return known[type] ?? `expressions of kind ${type}`;
}
