import { test } from 'node:test';
import assert from 'node:assert/strict';
import { labelsFromKey, mergeSeries, seriesKey } from '../../lib/series';
import { prometheusAvailable, startPrometheus } from '../support/prometheus';

test('seriesKey is independent of label order and drops empty values', () => {
  assert.equal(seriesKey({ b: '2', a: '1', c: '' }), seriesKey({ a: '1', b: '2' }));
  assert.notEqual(seriesKey({ a: '1' }), seriesKey({ a: '2' }));
  assert.deepEqual(labelsFromKey(seriesKey({ __name__: 'x', job: 'j=k,"' })), { __name__: 'x', job: 'j=k,"' });
});

test('the Prometheus test harness starts a real receiver', { skip: !prometheusAvailable() && process.env.CI !== 'true' ? 'prometheus not installed' : false }, async () => {
  const prom = await startPrometheus();
  try {
    const result = await prom.query('vector(42)');
    assert.equal(result[0]?.value[1], '42');
  } finally {
    await prom.stop();
  }
});

test('mergeSeries joins samples of the same label set in timestamp order and keeps first-seen order', () => {
  const merged = mergeSeries([
    { labels: { __name__: 'a', x: '1' }, samples: [{ value: 2, timestampMs: 20 }] },
    { labels: { __name__: 'b' }, samples: [{ value: 9, timestampMs: 5 }] },
    { labels: { x: '1', __name__: 'a' }, samples: [{ value: 1, timestampMs: 10 }] },
  ]);
  assert.deepEqual(merged.map((s) => [s.labels.__name__, s.samples.map((x) => x.timestampMs)]), [['a', [10, 20]], ['b', [5]]]);
});
