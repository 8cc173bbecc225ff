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

test('lines that repeat the previous label set read exactly as lines read on their own', () => {
  const labels = '{application_id="a", application_name="n", executor_id="1"}';
  const values = ['0', '1.0E-3', '-2', '+Inf', 'NaN', '5 1700000000000', '.5', '7e', '1x', '12.', '-1.5e+10'];
  const block = values.map((v, i) => `metrics_m${i}${labels} ${v}`);
  const joined = parsePrometheusText(['metrics_first' + labels + ' 3', ...block, 'metrics_other{application_id="a", application_name="n", executor_id="1"}x 4'].join('\r\n'));
  const alone = [{ name: 'metrics_first', value: 3 }];
  for (let i = 0; i < values.length; i++) for (const s of parsePrometheusText(block[i]!).samples) alone.push({ name: s.name, value: s.value });
  assert.deepEqual(joined.samples.map((s) => ({ name: s.name, value: s.value })), alone);
  assert.equal(joined.badLines, 3, "'7e', '1x' and the line with text after the labels");
  const expected = [3, 0, 0.001, -2, Infinity, NaN, 5, 0.5, 12, -1.5e10];
  assert.deepEqual(joined.samples.map((s) => s.value), expected);
  for (const s of joined.samples) assert.deepEqual(s.labels, { application_id: 'a', application_name: 'n', executor_id: '1' });
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

test('blocks of lines: label sets that differ in one value and names that differ in one character read as lines alone', () => {
  const block = (executor: string, names: string[], values: string[]) =>
    names.map((n, i) => `${n}{application_id="a", application_name="n", executor_id="${executor}"} ${values[i % values.length]}`);
  const lines = [
    ...block('1', ['metrics_aa', 'metrics_bb', 'metrics_cc'], ['1', '+5', '-0']),
    ...block('2', ['metrics_aa', 'metrics_bc', 'metrics_cc', 'metrics_dd'], ['1234567890123456789', '-12', '7 1700000000000']),
    ...block('1', ['metrics_ab', 'metrics_bb'], ['3', '4']),
    ...block('3', ['metrics_cc', 'metrics_aa'], ['1e3', '5']),
    // Names that extend or shorten the one at the same place of the block before.
    ...block('4', ['metrics_c', 'metrics_aab', 'metrics_a'], ['1', '2', '3']),
    ...block('5', ['metrics_cc', 'metrics_aa', 'metrics_a'], ['4', '5', '6']),
  ];
  const joined = parsePrometheusText(lines.join('\n'));
  const alone = lines.flatMap((l) => parsePrometheusText(l).samples);
  assert.equal(joined.badLines, 0);
  assert.deepEqual(joined.samples, alone);
  assert.deepEqual(joined.samples.map((s) => `${s.name}/${s.labels.executor_id}`), [
    'metrics_aa/1', 'metrics_bb/1', 'metrics_cc/1', 'metrics_aa/2', 'metrics_bc/2', 'metrics_cc/2', 'metrics_dd/2', 'metrics_ab/1', 'metrics_bb/1', 'metrics_cc/3', 'metrics_aa/3',
    'metrics_c/4', 'metrics_aab/4', 'metrics_a/4', 'metrics_cc/5', 'metrics_aa/5', 'metrics_a/5',
  ]);
  assert.ok(Object.is(joined.samples[2]!.value, -0));
  assert.equal(joined.samples[3]!.value, 1234567890123456789);
  // One labels object per distinct label text, shared by its lines.
  assert.equal(joined.samples[0]!.labels, joined.samples[7]!.labels);
  assert.notEqual(joined.samples[0]!.labels, joined.samples[3]!.labels);
});
