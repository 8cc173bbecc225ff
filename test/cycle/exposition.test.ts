import { test } from 'node:test';
import assert from 'node:assert/strict';
import { toExposition } from '../../lib/exposition';

test('prints families sorted with HELP/TYPE, escaped label values, timestamps, and no stale markers', () => {
  const text = toExposition(
    [
      { labels: { __name__: 'b_total', job: 'j', path: 'a"b\\c\nd' }, samples: [{ value: 3, timestampMs: 1700000000000 }] },
      { labels: { __name__: 'a', z: '1', a: '2', empty: '' }, samples: [{ value: Infinity, timestampMs: 5 }, { value: 0, timestampMs: 6, stale: true }] },
      { labels: { __name__: 'c' }, samples: [{ value: NaN, timestampMs: 7 }] },
    ],
    [{ name: 'b_total', type: 'counter', help: 'Things\nhappened' }],
  );
  assert.equal(
    text,
    'a{a="2",z="1"} +Inf 5\n' +
      '# HELP b_total Things\\nhappened\n# TYPE b_total counter\n' +
      'b_total{job="j",path="a\\"b\\\\c\\nd"} 3 1700000000000\n' +
      'c NaN 7\n',
  );
});
