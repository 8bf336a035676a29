import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { PlayheadError } from '../../src/core/errors.js';
import { compileTimeline } from '../../src/timeline/compile-timeline.js';
import { parseTimeline } from '../../src/timeline/parse-timeline.js';
import { MAX_TAIL_SLOTS } from '../../src/timeline/tail-layout.js';

const REBUFFERING = 'duration_where(has_existed(playerStateChange == "play") && !has_existed_within(playerStateChange == "seek", 5) && latest_event_to_state(playerStateChange) == "buffer")';

function refusal(query: unknown): { code: string; message: string; position: number | undefined } {
  try {
    parseTimeline(query);
  } catch (error) {
    assert.ok(error instanceof PlayheadError);
    return { code: error.code, message: error.message, position: error.position };
  }
  throw new Error('parsed');
}

describe('parseTimeline (DSL text)', () => {
  it('parses the rebuffering query to its JSON AST, && left-associative', () => {
    const is = (value: string) => ({ op: 'compare', column: 'playerStateChange', cmp: '==', value });
    assert.deepEqual(parseTimeline(REBUFFERING), {
      timeline: {
        op: 'duration_where',
        arg: {
          op: 'and',
          args: [
            { op: 'and', args: [{ op: 'has_existed', where: is('play') }, { op: 'not', arg: { op: 'has_existed_within', where: is('seek'), windowMs: 5000 } }] },
            { op: 'compare', arg: { op: 'latest_event_to_state', column: 'playerStateChange' }, cmp: '==', value: 'buffer' },
          ],
        },
      },
    });
  });

  it('binds ! tighter than && and && tighter than ||', () => {
    const a = { op: 'has_existed', where: { op: 'compare', column: 'a', cmp: '==', value: 1 } };
    const b = { ...a, where: { ...a.where, column: 'b' } };
    const c = { ...a, where: { ...a.where, column: 'c' } };
    assert.deepEqual(parseTimeline('!has_existed(a == 1) || has_existed(b == 1) && has_existed(c == 1)').timeline, {
      op: 'or', args: [{ op: 'not', arg: a }, { op: 'and', args: [b, c] }],
    });
  });

  it('reads predicates with && || ! and values of every type, and durations compared in seconds', () => {
    assert.deepEqual(parseTimeline("has_existed(!(x >= 2.5) && y != 'q' || z == false)").timeline, {
      op: 'has_existed',
      where: {
        op: 'or',
        args: [
          { op: 'and', args: [{ op: 'not', arg: { op: 'compare', column: 'x', cmp: '>=', value: 2.5 } }, { op: 'compare', column: 'y', cmp: '!=', value: 'q' }] },
          { op: 'compare', column: 'z', cmp: '==', value: false },
        ],
      },
    });
    assert.deepEqual(parseTimeline('duration_in_cur_state(latest_event_to_state(data.state)) > 10m').timeline, {
      op: 'compare', arg: { op: 'duration_in_cur_state', arg: { op: 'latest_event_to_state', column: 'data.state' } }, cmp: '>', value: 600,
    });
  });

  it('parses | aggregate(group_by(col), count, sum, avg, min, max)', () => {
    assert.deepEqual(parseTimeline('has_existed(a == 1) | aggregate(group_by(country), count, sum, avg, min, max)').aggregate, {
      groupBy: 'country', functions: ['count', 'sum', 'avg', 'min', 'max'],
    });
  });

  it('reports the position and what was expected', () => {
    assert.deepEqual(refusal('duration_where(has_existed(x == 1)'), {
      code: 'invalid_timeline', message: 'expected ")" closing duration_where(, got end of input (at index 34)', position: 34,
    });
    assert.deepEqual(refusal('has_existed_within(x == 1)'), {
      code: 'invalid_timeline', message: 'expected "," then a duration such as 5s, got ")" (at index 25)', position: 25,
    });
    assert.deepEqual(refusal('state == "idle"'), {
      code: 'invalid_timeline', message: 'expected a timeline function, got the bare name "state": a column\'s value over time is latest_event_to_state(state) (at index 0)', position: 0,
    });
    assert.deepEqual(refusal('has_existed(x)'), {
      code: 'invalid_timeline', message: 'expected a comparison (== != < <= > >=) after column x, got ")" (at index 13)', position: 13,
    });
    assert.deepEqual(refusal('latest_event_to_state(x) > 5s'), {
      code: 'invalid_timeline', message: 'a duration such as 5s compares only with duration_where(...) or duration_in_cur_state(...) (at index 27)', position: 27,
    });
    assert.deepEqual(refusal('has_existed(x == "a) '), {
      code: 'invalid_timeline', message: 'expected the closing " of the string opened at index 17 (at index 21)', position: 21,
    });
    assert.deepEqual(refusal('has_existed(x == 1) # 2'), {
      code: 'invalid_timeline', message: 'unexpected character "#": expected a function, a column, a value or one of == != < <= > >= && || ! ( ) , | (at index 20)', position: 20,
    });
    assert.equal(refusal('has_existed(x == 1) | aggregate()').message, 'expected group_by(col) or one of count, sum, avg, min, max, got ")" (at index 32)');
    assert.equal(refusal('frobnicate(x)').message, 'unknown function "frobnicate": expected one of latest_event_to_state(col), has_existed(pred), has_existed_within(pred, 5s), duration_where(b), duration_in_cur_state(x) (at index 0)');
  });
});

describe('parseTimeline (JSON AST)', () => {
  it('accepts the AST the text parses to', () => {
    const ast = parseTimeline(REBUFFERING);
    assert.deepEqual(parseTimeline(JSON.parse(JSON.stringify(ast))), ast);
  });

  it('names the path of a bad node', () => {
    assert.deepEqual(refusal({ timeline: { op: 'not', arg: { op: 'has_existed_within', where: { op: 'compare', column: 'a', cmp: '=', value: 1 }, windowMs: 5 } } }), {
      code: 'invalid_timeline', message: 'timeline.arg.where.cmp must be one of == != < <= > >=, got "="', position: undefined,
    });
    assert.equal(refusal({ timeline: { op: 'latest_event_to_state', column: 'x', __proto__x: 1 } }).message, 'timeline.__proto__x is not a field of this node (fields: op, column), got 1');
    assert.equal(refusal({ timeline: { op: 'duration_where' } }).message, 'timeline.arg.op must be one of latest_event_to_state, has_existed, has_existed_within, compare, and, or, not, duration_where, duration_in_cur_state, got nothing');
    assert.equal(refusal({ timeline: { op: 'has_existed', where: { op: 'compare', column: 'a', cmp: '==', value: 1 } }, aggregate: { functions: ['median'] } }).message, 'query.aggregate.functions[0] must be one of count, sum, avg, min, max, got "median"');
    assert.equal(refusal(42).message, 'query must be DSL text or a JSON AST object, got number');
  });

  it('refuses an AST nested deeper than 64 levels', () => {
    let node: object = { op: 'latest_event_to_state', column: 'x' };
    for (let i = 0; i < 70; i += 1) node = { op: 'not', arg: node };
    assert.match(refusal({ timeline: node }).message, /nests deeper than 64 levels$/);
  });
});

describe('compileTimeline', () => {
  it('refuses a query whose state per key could exceed the piece bound (nested comparisons of durations), and compiles one just under it', () => {
    const nest = (levels: number): string => {
      let query = 'latest_event_to_state(s)';
      for (let i = 0; i < levels; i += 1) query = `duration_in_cur_state(${query}) > 1`;
      return query;
    };
    assert.throws(() => compileTimeline(nest(14)), (error: unknown) => {
      assert.ok(error instanceof PlayheadError);
      assert.equal(error.code, 'invalid_timeline');
      assert.equal(error.message, `the query is too complex: its state per key could need more than ${MAX_TAIL_SLOTS} pieces (nested comparisons of durations)`);
      return true;
    });
    assert.equal(compileTimeline(nest(12)).nodes.length, 25);
  });
});
