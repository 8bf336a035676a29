import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseViewSql } from '../../src/views/parse-view-sql.js';

const field = (path: string, source = 'wikipedia') => ({ kind: 'field', source, path: path.split('.') });

describe('parseViewSql', () => {
  it('compiles the top-editors example of the views issue', async () => {
    const plan = await parseViewSql('CREATE VIEW top_editors AS SELECT data.user AS user, count(*) AS edits FROM wikipedia WHERE data.bot = false GROUP BY data.user ORDER BY edits DESC LIMIT 10');
    assert.deepEqual(plan, {
      name: 'top_editors',
      sources: [{ channel: 'wikipedia', alias: 'wikipedia' }],
      joinOn: null,
      where: { kind: 'compare', op: '=', left: field('data.bot'), right: { kind: 'literal', value: false } },
      slidingWindow: null,
      columns: [
        { name: 'user', expr: field('data.user') },
        { name: 'edits', expr: { kind: 'aggregate', name: 'count', arg: null, distinct: false } },
      ],
      groupBy: [field('data.user')],
      having: null,
      orderBy: [{ expr: { kind: 'aggregate', name: 'count', arg: null, distinct: false }, descending: true }],
      limit: 10,
    });
  });

  it('takes a sliding event-time window out of the filter', async () => {
    const plan = await parseViewSql("CREATE VIEW recent AS SELECT count(*) AS n FROM wikipedia WHERE ts > now() - INTERVAL '5 minutes' AND data.type IN ('edit', 'new')");
    assert.deepEqual(plan.slidingWindow, { source: 'wikipedia', ms: 300_000 });
    assert.deepEqual(plan.where, { kind: 'in', arg: field('data.type'), values: ['edit', 'new'], negated: false });
  });

  it('compiles OR, NOT, IS NULL, count(DISTINCT), sum/min/max/avg and HAVING', async () => {
    const plan = await parseViewSql('CREATE VIEW v AS SELECT data.wiki, count(DISTINCT data.user) AS users, sum(data.length.new) AS bytes, min(ts), max(ts), avg(data.length.new) FROM wikipedia WHERE NOT data.bot OR data.user IS NOT NULL GROUP BY data.wiki HAVING count(*) >= 2');
    assert.deepEqual(plan.columns.map((c) => c.name), ['wiki', 'users', 'bytes', 'min', 'max', 'avg']);
    assert.deepEqual(plan.columns[1]?.expr, { kind: 'aggregate', name: 'count', arg: field('data.user'), distinct: true });
    assert.deepEqual(plan.where, { kind: 'or', args: [{ kind: 'not', arg: field('data.bot') }, { kind: 'isNull', arg: field('data.user'), negated: true }] });
    assert.deepEqual(plan.having, { kind: 'compare', op: '>=', left: { kind: 'aggregate', name: 'count', arg: null, distinct: false }, right: { kind: 'literal', value: 2 } });
  });

  it('compiles an inner equi-join of two channels', async () => {
    const plan = await parseViewSql('CREATE VIEW j AS SELECT o.data.id, p.data.amount FROM orders o JOIN payments p ON o.data.id = p.data.order');
    assert.deepEqual(plan.sources, [{ channel: 'orders', alias: 'o' }, { channel: 'payments', alias: 'p' }]);
    assert.deepEqual(plan.joinOn, { left: field('data.id', 'o'), right: field('data.order', 'p') });
  });

  it('refuses what is outside the subset, naming the part and its position', async () => {
    const cases: [string, string][] = [
      ['CREATE VIEW v AS SELECT * FROM w', 'views do not support * (name the fields you need, e.g. data.user) (at index 24: "* FROM w")'],
      ['CREATE VIEW v AS SELECT DISTINCT data.a FROM w', 'views do not support SELECT DISTINCT'],
      ['CREATE VIEW v AS SELECT data.a FROM w LEFT JOIN x ON w.data.a = x.data.a', 'views do not support LEFT JOIN (only inner JOIN ... ON) (at index 36: "w LEFT JOIN x ON w.d")'],
      ['CREATE VIEW v AS SELECT lower(data.a) AS a FROM w', 'views do not support function lower() (views support count, sum, min, max, avg; now() only in a sliding window) (at index 24: "lower(data.a) AS a F")'],
      ['CREATE VIEW v AS SELECT data.a FROM w WHERE count(*) > 1', 'views do not support count() in WHERE (aggregates belong in SELECT, HAVING or ORDER BY) (at index 44: "count(*) > 1")'],
      ['CREATE VIEW v AS SELECT data.a, count(*) FROM w', 'column a must appear in GROUP BY or be inside an aggregate'],
      ['CREATE VIEW v AS SELECT colour FROM w', 'unknown column colour: an event has ts, seq, id and data.<path> (at index 24)'],
      ['CREATE VIEW v AS SELECT data.a FROM w LIMIT 0', 'views do not support this LIMIT (use a positive whole number) (at index 44: "0")'],
      ["CREATE VIEW v AS SELECT data.a FROM w WHERE ts > now() - INTERVAL '1 fortnight'", "views do not support INTERVAL '1 fortnight' (use one number and a unit: ms, seconds, minutes, hours, days) (at index 66: \"'1 fortnight'\")"],
      ['CREATE VIEW v AS SELECT data.a FROM w WHERE data.a = (SELECT 1)', 'views do not support subqueries'],
      ['SELECT data.a FROM w', 'expected CREATE VIEW name AS SELECT ...'],
      ['CREATE VIEW v AS SELEC data.a FROM w', 'syntax error at or near "SELEC" (at index 17)'],
    ];
    for (const [sql, message] of cases) {
      await assert.rejects(parseViewSql(sql), (error: { code: string; message: string }) => {
        assert.equal(error.code, 'invalid_view', sql);
        assert.ok(error.message.startsWith(message), `${sql}\n  got:      ${error.message}\n  expected: ${message}`);
        return true;
      });
    }
  });
});
