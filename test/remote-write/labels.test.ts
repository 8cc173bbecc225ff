import { test } from 'node:test';
import assert from 'node:assert/strict';
import { DropCounter, prepareSeries } from '../../lib/remote-write/labels';
import type { Series } from '../../lib/series';

const one = (labels: Record<string, string>, ts = 1000): Series => ({ labels, samples: [{ value: 1, timestampMs: ts }] });

test('labels come out sorted, empty values dropped, invalid name characters replaced', () => {
  const drops = new DropCounter();
  const [s] = prepareSeries([one({ zeta: '1', __name__: 'spark.executor-x', 'a.b': '2', '9lives': 'c', empty: '' })], drops);
  assert.deepEqual(s?.names, ['_9lives', '__name__', 'a_b', 'zeta']);
  assert.deepEqual(s?.values, ['c', 'spark_executor_x', '2', '1']);
  assert.deepEqual(drops.samples, {});
});

test('offending series are dropped and counted by reason, never truncated', () => {
  const drops = new DropCounter();
  const many: Record<string, string> = { __name__: 'wide' };
  for (let i = 0; i < 63; i++) many[`l${i}`] = 'v';
  const input: Series[] = [
    one({ job: 'no name' }),
    one({ __name__: '' }),
    one(many),
    one({ __name__: 'long_value', v: 'x'.repeat(1024) }),
    one({ __name__: 'ok_value', v: 'x'.repeat(1023) }),
    one({ __name__: 'long_name', ['n'.repeat(512)]: 'v' }),
    one({ __name__: 'case_dup', Job: 'a', job: 'b' }),
    one({ __name__: 'sanitised_dup', 'a-b': '1', a_b: '2' }),
    { labels: { __name__: 'two_samples_no_name_drop' }, samples: [{ value: 1, timestampMs: 1 }, { value: 2, timestampMs: 2 }] },
  ];
  const out = prepareSeries(input, drops);
  assert.deepEqual(out.map((s) => s.values[s.names.indexOf('__name__')]), ['ok_value', 'two_samples_no_name_drop']);
  assert.deepEqual(drops.series, {
    missing_metric_name: 2,
    too_many_labels: 1,
    label_value_too_long: 1,
    label_name_too_long: 1,
    duplicate_label_name: 2,
  });
  assert.equal(drops.totalSamples, 7);
});

test('samples are put in timestamp order; a repeated timestamp keeps the last; bad timestamps are counted', () => {
  const drops = new DropCounter();
  const [s] = prepareSeries(
    [{ labels: { __name__: 'm' }, samples: [{ value: 3, timestampMs: 30 }, { value: 1, timestampMs: 10 }, { value: 2, timestampMs: 30 }, { value: 9, timestampMs: 1.5 }, { value: 9, timestampMs: NaN }] }],
    drops,
  );
  assert.deepEqual(s?.samples.map((x) => [x.timestampMs, x.value]), [[10, 1], [30, 2]]);
  assert.deepEqual(drops.samples, { bad_timestamp: 2, duplicate_timestamp: 1 });
});

test('the same label set twice is merged into one series in timestamp order', () => {
  const drops = new DropCounter();
  const out = prepareSeries([one({ __name__: 'm', a: '1' }, 2000), one({ a: '1', __name__: 'm' }, 1000)], drops);
  assert.equal(out.length, 1);
  assert.deepEqual(out[0]?.samples.map((x) => x.timestampMs), [1000, 2000]);
  assert.equal(drops.totalSamples, 0);
});

test('10^5 series pass through with exact totals', () => {
  const drops = new DropCounter();
  const input = Array.from({ length: 100_000 }, (_, i) => one({ __name__: 'many', i: String(i), bad: i % 10 === 0 ? 'x'.repeat(2000) : 'ok' }));
  const out = prepareSeries(input, drops);
  assert.equal(out.length, 90_000);
  assert.deepEqual(drops.samples, { label_value_too_long: 10_000 });
});
