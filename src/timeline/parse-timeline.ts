/**
 * The timeline DSL: text to the JSON AST (timeline-ast.ts). Precedence
 * `!` > `&&` > `||`, left-associative; a comparison binds tighter than all
 * three. Every error is `invalid_timeline` with the index and what was
 * expected there.
 */
import { DURATION_UNITS_MS, type DurationUnit } from '../core/duration.js';
import { PlayheadError } from '../core/errors.js';
import type { Comparator } from './pointwise.js';
import {
  AGGREGATE_FUNCTIONS, isDurationNode, validateTimelineQuery,
  type AggregateFunction, type AggregateSpec, type PredicateNode, type TimelineNode, type TimelineQuery,
} from './timeline-ast.js';
import type { Scalar } from './timeline-piece.js';

type TokenKind = 'ident' | 'string' | 'number' | 'op' | 'end';

interface Token {
  readonly kind: TokenKind;
  readonly text: string;
  readonly position: number;
  /** Strings and numbers: the value; numbers with a unit: milliseconds. */
  readonly value?: string | number;
  readonly unit?: DurationUnit;
}

const OPERATORS = ['==', '!=', '<=', '>=', '&&', '||', '<', '>', '!', '(', ')', ',', '|'] as const;
const COMPARISON_TOKENS: readonly string[] = ['==', '!=', '<', '<=', '>', '>='];
const MS_PER_SECOND = 1_000;
const TIMELINE_FUNCTIONS = 'latest_event_to_state(col), has_existed(pred), has_existed_within(pred, 5s), duration_where(b), duration_in_cur_state(x)';

function invalid(rule: string, position: number): never {
  throw new PlayheadError('invalid_timeline', `${rule} (at index ${position})`, { position });
}

function describeToken(token: Token): string {
  return token.kind === 'end' ? 'end of input' : JSON.stringify(token.text);
}

function tokenize(text: string): Token[] {
  const tokens: Token[] = [];
  let index = 0;
  while (index < text.length) {
    const char = text[index] as string;
    if (/\s/.test(char)) {
      index += 1;
      continue;
    }
    const start = index;
    if (/[A-Za-z_]/.test(char)) {
      const match = /[A-Za-z_][A-Za-z0-9_]*(?:\.[A-Za-z_][A-Za-z0-9_]*)*/y;
      match.lastIndex = index;
      const word = (match.exec(text) as RegExpExecArray)[0];
      tokens.push({ kind: 'ident', text: word, position: start });
      index += word.length;
      continue;
    }
    if (/[0-9]/.test(char) || (char === '-' && /[0-9]/.test(text[index + 1] ?? ''))) {
      const match = /-?\d+(?:\.\d+)?(?:e[+-]?\d+)?(ms|s|m|h|d)?(?![A-Za-z0-9_])/iy;
      match.lastIndex = index;
      const found = match.exec(text);
      if (found === null) invalid('expected a number, optionally with a unit (250ms, 5s, 10m, 1h, 2d)', start);
      const unit = found[1]?.toLowerCase() as DurationUnit | undefined;
      const amount = Number(unit === undefined ? found[0] : found[0].slice(0, -found[1]!.length));
      tokens.push({ kind: 'number', text: found[0], position: start, value: unit === undefined ? amount : amount * DURATION_UNITS_MS[unit], ...(unit === undefined ? {} : { unit }) });
      index += found[0].length;
      continue;
    }
    if (char === '"' || char === "'") {
      let value = '';
      index += 1;
      for (;;) {
        const next = text[index];
        if (next === undefined) invalid(`expected the closing ${char} of the string opened at index ${start}`, text.length);
        index += 1;
        if (next === char) break;
        if (next === '\\') {
          const escaped = text[index];
          if (escaped === undefined) invalid(`expected the closing ${char} of the string opened at index ${start}`, text.length);
          value += escaped === 'n' ? '\n' : escaped === 't' ? '\t' : escaped;
          index += 1;
        } else value += next;
      }
      tokens.push({ kind: 'string', text: text.slice(start, index), position: start, value });
      continue;
    }
    const operator = OPERATORS.find((candidate) => text.startsWith(candidate, index));
    if (operator === undefined) invalid(`unexpected character ${JSON.stringify(char)}: expected a function, a column, a value or one of == != < <= > >= && || ! ( ) , |`, start);
    tokens.push({ kind: 'op', text: operator, position: start });
    index += operator.length;
  }
  tokens.push({ kind: 'end', text: '', position: text.length });
  return tokens;
}

class Parser {
  readonly #tokens: Token[];
  #index = 0;

  constructor(tokens: Token[]) {
    this.#tokens = tokens;
  }

  query(): TimelineQuery {
    const timeline = this.#timelineOr();
    let aggregate: AggregateSpec | undefined;
    if (this.#peek().text === '|' && this.#peek().kind === 'op') {
      this.#next();
      aggregate = this.#aggregate();
    }
    const last = this.#peek();
    if (last.kind !== 'end') invalid(`expected &&, ||, | aggregate(...) or the end, got ${describeToken(last)}`, last.position);
    return aggregate === undefined ? { timeline } : { timeline, aggregate };
  }

  #peek(): Token {
    return this.#tokens[this.#index] as Token;
  }

  #next(): Token {
    const token = this.#peek();
    if (token.kind !== 'end') this.#index += 1;
    return token;
  }

  #isOp(text: string): boolean {
    const token = this.#peek();
    return token.kind === 'op' && token.text === text;
  }

  #expect(text: string, what = JSON.stringify(text)): Token {
    const token = this.#peek();
    if (token.kind !== 'op' || token.text !== text) invalid(`expected ${what}, got ${describeToken(token)}`, token.position);
    return this.#next();
  }

  #timelineOr(): TimelineNode {
    let left = this.#timelineAnd();
    while (this.#isOp('||')) {
      this.#next();
      left = { op: 'or', args: [left, this.#timelineAnd()] };
    }
    return left;
  }

  #timelineAnd(): TimelineNode {
    let left = this.#timelineUnary();
    while (this.#isOp('&&')) {
      this.#next();
      left = { op: 'and', args: [left, this.#timelineUnary()] };
    }
    return left;
  }

  #timelineUnary(): TimelineNode {
    if (this.#isOp('!')) {
      this.#next();
      return { op: 'not', arg: this.#timelineUnary() };
    }
    const operand = this.#timelinePrimary();
    const token = this.#peek();
    if (token.kind !== 'op' || !COMPARISON_TOKENS.includes(token.text)) return operand;
    this.#next();
    const duration = isDurationNode(operand);
    const literal = this.#literal();
    if (literal.unit !== undefined && !duration) {
      invalid(`a duration such as ${literal.text} compares only with duration_where(...) or duration_in_cur_state(...)`, literal.position);
    }
    // Durations compare in seconds: a bare number means seconds, a unit converts.
    const value = literal.unit !== undefined ? (literal.value as number) / MS_PER_SECOND : (literal.value as Scalar);
    return { op: 'compare', arg: operand, cmp: token.text as Comparator, value };
  }

  #timelinePrimary(): TimelineNode {
    const token = this.#peek();
    if (this.#isOp('(')) {
      this.#next();
      const inner = this.#timelineOr();
      this.#expect(')', '")" closing the "(" at index ' + token.position);
      return inner;
    }
    if (token.kind !== 'ident') invalid(`expected a timeline such as ${TIMELINE_FUNCTIONS}, got ${describeToken(token)}`, token.position);
    this.#next();
    if (!this.#isOp('(')) {
      invalid(`expected a timeline function, got the bare name ${describeToken(token)}: a column's value over time is latest_event_to_state(${token.text})`, token.position);
    }
    this.#next();
    let node: TimelineNode;
    switch (token.text) {
      case 'latest_event_to_state':
        node = { op: 'latest_event_to_state', column: this.#column() };
        break;
      case 'has_existed':
        node = { op: 'has_existed', where: this.#predicateOr() };
        break;
      case 'has_existed_within': {
        const where = this.#predicateOr();
        this.#expect(',', '"," then a duration such as 5s');
        node = { op: 'has_existed_within', where, windowMs: this.#duration() };
        break;
      }
      case 'duration_where':
      case 'duration_in_cur_state':
        node = { op: token.text, arg: this.#timelineOr() };
        break;
      default:
        invalid(`unknown function ${describeToken(token)}: expected one of ${TIMELINE_FUNCTIONS}`, token.position);
    }
    this.#expect(')', `")" closing ${token.text}(`);
    return node;
  }

  #column(): string {
    const token = this.#peek();
    if (token.kind !== 'ident') invalid(`expected a column name such as playerStateChange, got ${describeToken(token)}`, token.position);
    this.#next();
    return token.text;
  }

  #duration(): number {
    const token = this.#peek();
    if (token.kind !== 'number' || (token.value as number) < 0) invalid(`expected a duration such as 5s, 250ms or 10m (a bare number means seconds), got ${describeToken(token)}`, token.position);
    this.#next();
    return token.unit === undefined ? (token.value as number) * MS_PER_SECOND : (token.value as number);
  }

  #literal(): Token {
    const token = this.#peek();
    if (token.kind === 'string' || token.kind === 'number') return this.#next();
    if (token.kind === 'ident' && (token.text === 'true' || token.text === 'false')) {
      this.#next();
      return { ...token, value: token.text === 'true' } as unknown as Token;
    }
    return invalid(`expected a value (a "string", a number or true/false), got ${describeToken(token)}`, token.position);
  }

  #predicateOr(): PredicateNode {
    let left = this.#predicateAnd();
    while (this.#isOp('||')) {
      this.#next();
      left = { op: 'or', args: [left, this.#predicateAnd()] };
    }
    return left;
  }

  #predicateAnd(): PredicateNode {
    let left = this.#predicateUnary();
    while (this.#isOp('&&')) {
      this.#next();
      left = { op: 'and', args: [left, this.#predicateUnary()] };
    }
    return left;
  }

  #predicateUnary(): PredicateNode {
    if (this.#isOp('!')) {
      this.#next();
      return { op: 'not', arg: this.#predicateUnary() };
    }
    const open = this.#peek();
    if (this.#isOp('(')) {
      this.#next();
      const inner = this.#predicateOr();
      this.#expect(')', `")" closing the "(" at index ${open.position}`);
      return inner;
    }
    if (open.kind !== 'ident') invalid(`expected an event predicate such as playerStateChange == "play", got ${describeToken(open)}`, open.position);
    const column = this.#column();
    const token = this.#peek();
    if (token.kind !== 'op' || !COMPARISON_TOKENS.includes(token.text)) {
      invalid(`expected a comparison (== != < <= > >=) after column ${column}, got ${describeToken(token)}`, token.position);
    }
    this.#next();
    const literal = this.#literal();
    if (literal.unit !== undefined) invalid(`expected a plain value to compare column ${column} with, got the duration ${literal.text}`, literal.position);
    return { op: 'compare', column, cmp: token.text as Comparator, value: literal.value as Scalar };
  }

  #aggregate(): AggregateSpec {
    const name = this.#peek();
    if (name.kind !== 'ident' || name.text !== 'aggregate') invalid(`expected aggregate(...) after "|", got ${describeToken(name)}`, name.position);
    this.#next();
    this.#expect('(', '"(" after aggregate');
    let groupBy: string | undefined;
    const functions: AggregateFunction[] = [];
    for (;;) {
      const item = this.#peek();
      if (item.kind === 'ident' && item.text === 'group_by' && groupBy === undefined) {
        this.#next();
        this.#expect('(', '"(" after group_by');
        groupBy = this.#column();
        this.#expect(')', '")" closing group_by(');
      } else if (item.kind === 'ident' && (AGGREGATE_FUNCTIONS as readonly string[]).includes(item.text)) {
        this.#next();
        functions.push(item.text as AggregateFunction);
      } else {
        invalid(`expected group_by(col) or one of ${AGGREGATE_FUNCTIONS.join(', ')}, got ${describeToken(item)}`, item.position);
      }
      if (!this.#isOp(',')) break;
      this.#next();
    }
    this.#expect(')', '"," or ")" closing aggregate(');
    if (functions.length === 0) invalid(`expected at least one of ${AGGREGATE_FUNCTIONS.join(', ')} in aggregate(...)`, name.position);
    return groupBy === undefined ? { functions } : { groupBy, functions };
  }
}

/** Parses DSL text, or validates a JSON AST given as an object; throws `invalid_timeline`. */
export function parseTimeline(query: unknown): TimelineQuery {
  if (typeof query === 'string') return new Parser(tokenize(query)).query();
  if (typeof query === 'object' && query !== null) return validateTimelineQuery(query);
  throw new PlayheadError('invalid_timeline', `query must be DSL text or a JSON AST object, got ${typeof query}`);
}
