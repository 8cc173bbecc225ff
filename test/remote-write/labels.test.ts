import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  DropCounter,
  prepareEach,
  prepareSeries,
  reasonBadTimestamp,
  reasonDuplicateLabel,
  reasonDuplicateSeries,
  reasonDuplicateTimestamp,
  reasonInvalidLabelName,
  reasonInvalidMetricName,
  reasonLabelNameTooLong,
  reasonLabelValueTooLong,
  reasonMetricNameTooLong,
  reasonMissingName,
  reasonNoSamples,
  reasonTooManyLabels,
  sanitizeLabelName,
  type PreparedSeries,
} from '../../lib/remote-write/labels';
import type { Series } from '../../lib/series';

const one = (labels: Record<string, string>, ts = 1000): Series => ({ labels, samples: [{ value: 1, timestampMs: ts }] });
const labelsOf = (s: PreparedSeries | undefined) => (s ? Object.fromEntries(s.names.map((n, i) => [n, s.values[i]])) : undefined);

test('labels come out sorted by name, empty values dropped, invalid name characters replaced', () => {
  const drops = new DropCounter();
  const [s] = prepareSeries([one({ zeta: '1', __name__: 'spark_executor_x', 'a.b': '2', '9lives': 'c', empty: '', Upper: 'u' })], drops);
  assert.deepEqual(s?.names, ['Upper', '_9lives', '__name__', 'a_b', 'zeta']);
  assert.deepEqual(s?.values, ['u', 'c', 'spark_executor_x', '2', '1']);
  assert.deepEqual(drops.samples, {});
  assert.deepEqual(drops.series, {});
});

test('sanitizeLabelName follows [a-zA-Z_][a-zA-Z0-9_]*', () => {
  const table: Array<[string, string]> = [
    ['ok_name', 'ok_name'],
    ['a.b-c/d', 'a_b_c_d'],
    ['1st', '_1st'],
    ['日本', '__'],
    ['colon:x', 'colon_x'],
    ['_x9', '_x9'],
  ];
  for (const [input, expected] of table) assert.equal(sanitizeLabelName(input), expected, input);
});

test('offending series are dropped and counted by reason (series and samples), never truncated', () => {
  const wide = (n: number) => {
    const labels: Record<string, string> = { __name__: `wide_${n}` };
    for (let i = 1; i < n; i++) labels[`l${i}`] = 'v';
    return labels;
  };
  const twoSamples = (labels: Record<string, string>): Series => ({ labels, samples: [{ value: 1, timestampMs: 1 }, { value: 2, timestampMs: 2 }] });
  const table: Array<{ series: Series; reason?: string }> = [
    { series: one({ job: 'no name' }), reason: reasonMissingName },
    { series: one({ __name__: '' }), reason: reasonMissingName },
    { series: twoSamples({ __name__: 'bad-name' }), reason: reasonInvalidMetricName },
    { series: one({ __name__: '1abc' }), reason: reasonInvalidMetricName },
    { series: one({ __name__: 'm'.repeat(511) }) },
    { series: one({ __name__: 'm'.repeat(512) }), reason: reasonMetricNameTooLong },
    { series: one(wide(63)) },
    { series: twoSamples(wide(64)), reason: reasonTooManyLabels },
    { series: one({ __name__: 'ok_value', v: 'x'.repeat(1023) }) },
    { series: one({ __name__: 'long_value', v: 'x'.repeat(1024) }), reason: reasonLabelValueTooLong },
    { series: one({ __name__: 'ok_label_name', ['n'.repeat(511)]: 'v' }) },
    { series: one({ __name__: 'long_label_name', ['n'.repeat(512)]: 'v' }), reason: reasonLabelNameTooLong },
    { series: one({ __name__: 'case_dup', Job: 'a', job: 'b' }), reason: reasonDuplicateLabel },
    { series: one({ __name__: 'sanitised_dup', 'a-b': '1', a_b: '2' }), reason: reasonDuplicateLabel },
    { series: one({ __name__: 'empty_label_name', '': 'v' }), reason: reasonInvalidLabelName },
    { series: { labels: { __name__: 'nothing' }, samples: [] }, reason: reasonNoSamples },
    { series: { labels: { __name__: 'all_bad_ts' }, samples: [{ value: 1, timestampMs: 1.5 }, { value: 1, timestampMs: Infinity }] }, reason: reasonBadTimestamp },
    { series: one({ __name__: 'colons:are:fine', instance: 'h:1' }) },
  ];
  const drops = new DropCounter();
  const out = prepareSeries(table.map((t) => t.series), drops);
  const kept = table.filter((t) => t.reason === undefined).map((t) => t.series.labels.__name__);
  assert.deepEqual(out.map((s) => s.values[s.names.indexOf('__name__')]), kept);
  const expectedSeries: Record<string, number> = {};
  const expectedSamples: Record<string, number> = {};
  for (const t of table) {
    if (t.reason === undefined) continue;
    expectedSeries[t.reason] = (expectedSeries[t.reason] ?? 0) + 1;
    if (t.series.samples.length) expectedSamples[t.reason] = (expectedSamples[t.reason] ?? 0) + t.series.samples.length;
  }
  assert.deepEqual(drops.series, expectedSeries);
  assert.deepEqual(drops.samples, expectedSamples);
  assert.equal(drops.totalSamples, table.filter((t) => t.reason !== undefined).reduce((n, t) => n + t.series.samples.length, 0));
});

test('samples are put in timestamp order; a repeated timestamp keeps the last; bad timestamps are counted', () => {
  const drops = new DropCounter();
  const [s] = prepareSeries(
    [{ labels: { __name__: 'm' }, samples: [{ value: 3, timestampMs: 30 }, { value: 1, timestampMs: 10 }, { value: 2, timestampMs: 30 }, { value: 9, timestampMs: 1.5 }, { value: 9, timestampMs: NaN }, { value: 4, timestampMs: 2 ** 41 }] }],
    drops,
  );
  assert.deepEqual(s?.samples.map((x) => [x.timestampMs, x.value]), [[10, 1], [30, 2], [2 ** 41, 4]]);
  assert.deepEqual(drops.samples, { [reasonBadTimestamp]: 2, [reasonDuplicateTimestamp]: 1 });
  assert.deepEqual(drops.series, {}, 'the series itself is kept');
});

test('the same label set twice (after normalisation): the first is kept, the rest counted as duplicate series', () => {
  const drops = new DropCounter();
  const out = prepareSeries(
    [one({ __name__: 'm', a: '1' }, 2000), one({ a: '1', __name__: 'm', empty: '' }, 1000), { labels: { 'a': '1', __name__: 'm' }, samples: [{ value: 1, timestampMs: 1 }, { value: 2, timestampMs: 2 }] }, one({ __name__: 'm', a: '2' })],
    drops,
  );
  assert.deepEqual(out.map(labelsOf), [{ __name__: 'm', a: '1' }, { __name__: 'm', a: '2' }]);
  assert.deepEqual(out[0]?.samples.map((x) => x.timestampMs), [2000]);
  assert.deepEqual(drops.series, { [reasonDuplicateSeries]: 2 });
  assert.deepEqual(drops.samples, { [reasonDuplicateSeries]: 3 });
});

test('prepareEach drops repeated label sets only when asked to', () => {
  const input = [one({ __name__: 'm', a: '1' }, 1), one({ a: '1', __name__: 'm' }, 2), one({ __name__: 'm', a: '1', b: '' }, 3)];
  const plain = new DropCounter();
  assert.equal([...prepareEach(input, plain)].length, 3);
  assert.equal(plain.totalSeries, 0);
  const deduped = new DropCounter();
  const out = [...prepareEach(input, deduped, { dropDuplicateSeries: true })];
  assert.deepEqual(out.map((s) => s.samples[0]?.timestampMs), [1]);
  assert.deepEqual(deduped.series, { [reasonDuplicateSeries]: 2 });
});

test('series with the same keys in different orders, or an empty value in one, are each normalised correctly', () => {
  const drops = new DropCounter();
  const input: Series[] = [];
  for (let i = 0; i < 50; i++) {
    input.push(one({ __name__: 'm', b: `b${i}`, a: `a${i}` }));
    input.push(one({ a: `a${i}`, __name__: 'm', b: `b${i}` }));
    input.push(one({ __name__: 'm', b: i % 2 ? '' : `B${i}`, a: `A${i}` }));
  }
  const out = [...prepareEach(input, drops)];
  assert.equal(out.length, 150);
  for (let i = 0; i < 50; i++) {
    assert.deepEqual(labelsOf(out[3 * i]), { __name__: 'm', a: `a${i}`, b: `b${i}` });
    assert.deepEqual(labelsOf(out[3 * i + 1]), { __name__: 'm', a: `a${i}`, b: `b${i}` });
    assert.deepEqual(labelsOf(out[3 * i + 2]), i % 2 ? { __name__: 'm', a: `A${i}` } : { __name__: 'm', a: `A${i}`, b: `B${i}` });
  }
  assert.equal(drops.totalSeries, 0);
});

test('label keys that contain the cache separator are not confused with other key lists', () => {
  const drops = new DropCounter();
  const out = prepareSeries([one({ __name__: 'm', 'a\u0000b': '1' }), one({ __name__: 'm', a: '2', b: '3' })], drops);
  assert.deepEqual(out.map(labelsOf), [{ __name__: 'm', a_b: '1' }, { __name__: 'm', a: '2', b: '3' }]);
});

test('prepareEach is lazy: it reads the input only as far as the consumer pulls', () => {
  let read = 0;
  function* source(): Generator<Series> {
    for (let i = 0; i < 1_000_000; i++) {
      read++;
      yield one({ __name__: 'lazy', i: String(i) });
    }
  }
  const it = prepareEach(source(), new DropCounter());
  for (let i = 0; i < 10; i++) it.next();
  assert.equal(read, 10);
});

test('10^5 series pass through with exact totals', () => {
  const drops = new DropCounter();
  const input = Array.from({ length: 100_000 }, (_, i) => one({ __name__: 'many', i: String(i), bad: i % 10 === 0 ? 'x'.repeat(2000) : 'ok', ...(i % 7 === 0 ? { 'bad-name': String(i) } : {}) }));
  const out = prepareSeries(input, drops);
  const expectedDropped = Array.from({ length: 100_000 }, (_, i) => i).filter((i) => i % 10 === 0).length;
  assert.equal(out.length, 100_000 - expectedDropped);
  assert.deepEqual(drops.samples, { [reasonLabelValueTooLong]: expectedDropped });
  assert.equal(out.filter((s) => s.names.includes('bad_name')).length, Array.from({ length: 100_000 }, (_, i) => i).filter((i) => i % 7 === 0 && i % 10 !== 0).length);
});
