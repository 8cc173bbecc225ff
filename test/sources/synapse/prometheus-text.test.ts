import { test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { parsePrometheusText } from '../../../lib/sources/synapse/prometheus-text';
import { humanDurationSeconds } from '../../../lib/sources/synapse/discover';

test("reads Spark's real output shapes", () => {
  const text = [
    'spark_info{version="3.5.3", revision="abc"} 1.0',
    'metrics_executor_rddBlocks{application_id="application_1605509647837_0001", application_name="mynotebook_mysparkpool_1605509570802", executor_id="driver"} 0',
    'metrics_executor_memoryUsed_bytes{application_id="application_1605509647837_0001", application_name="mynotebook_mysparkpool_1605509570802", executor_id="driver"} 74992',
    'metrics_executor_totalDuration_seconds_total{application_id="a", application_name="n", executor_id="1"} 1.2345678E7',
    'metrics_executor_totalGCTime_seconds_total{application_id="a", application_name="n", executor_id="1"} 0.123',
    'metrics_executor_x{application_id="a", application_name="n", executor_id="1"} Infinity',
  ].join('\r\n');
  const { samples, badLines } = parsePrometheusText(text);
  assert.equal(badLines, 0);
  assert.deepEqual(samples.map((s) => [s.name, s.value]), [
    ['spark_info', 1], ['metrics_executor_rddBlocks', 0], ['metrics_executor_memoryUsed_bytes', 74992],
    ['metrics_executor_totalDuration_seconds_total', 12345678], ['metrics_executor_totalGCTime_seconds_total', 0.123], ['metrics_executor_x', Infinity],
  ]);
  assert.deepEqual(samples[2]!.labels, { application_id: 'application_1605509647837_0001', application_name: 'mynotebook_mysparkpool_1605509570802', executor_id: 'driver' });
});

test('unescaped quotes and braces inside label values, and a partial last line', () => {
  const { samples, badLines } = parsePrometheusText(
    'metrics_executor_rddBlocks{application_id="a", application_name="my "quoted", app}", executor_id="1"} 5\n' +
      'metrics_executor_rddBlocks{application_id="a", application_name="ends with quote"", executor_id="2"} 6\n' +
      'metrics_executor_rddBlocks{application_id="a", application_na',
  );
  assert.deepEqual(samples.map((s) => s.labels.application_name), ['my "quoted", app}', 'ends with quote"']);
  assert.deepEqual(samples.map((s) => s.labels.executor_id), ['1', '2']);
  assert.equal(badLines, 1);
});

test('garbage lines are skipped and counted', () => {
  const { samples, badLines } = parsePrometheusText('<html>\n# comment\n\nok_metric 1\n{bad} 1\nname{a="1"} notanumber\nname{a="1"\n\u0000\u0001\n');
  assert.deepEqual(samples.map((s) => s.name), ['ok_metric']);
  assert.equal(badLines, 5);
});

test('hostile input: 10^5 lines, binary garbage and a huge line finish quickly', () => {
  const lines = Array.from({ length: 100_000 }, (_, i) => `metrics_executor_memoryUsed_bytes{application_id="a", application_name="n", executor_id="${i}"} ${i}`).join('\n');
  let t = Date.now();
  assert.equal(parsePrometheusText(lines).samples.length, 100_000);
  assert.ok(Date.now() - t < 3000);
  t = Date.now();
  const garbage = randomBytes(4 * 1024 * 1024).toString('latin1');
  const r = parsePrometheusText(garbage);
  assert.ok(r.samples.length < 10);
  const huge = parsePrometheusText(`m{a="${'"'.repeat(200_000)}"} 1`);
  assert.ok(huge.samples.length <= 1);
  assert.ok(Date.now() - t < 5000, `took ${Date.now() - t} ms`);
});

test('monitoring API durations', () => {
  assert.equal(humanDurationSeconds('1h 4m'), 3840);
  assert.equal(humanDurationSeconds('3m 0s'), 180);
  assert.equal(humanDurationSeconds('1356h 29m'), 1356 * 3600 + 29 * 60);
  assert.equal(humanDurationSeconds('12s'), 12);
  assert.equal(humanDurationSeconds('soon'), undefined);
  assert.equal(humanDurationSeconds(42), undefined);
});
