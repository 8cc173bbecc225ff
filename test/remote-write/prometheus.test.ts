import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { silentLogger } from '../../lib/log';
import { loadRemoteWriteConfig } from '../../lib/remote-write/config';
import { createRemoteWriter, type RemoteWriter } from '../../lib/remote-write/sender';
import { EnvReader } from '../../lib/env';
import { startPrometheus, type PrometheusServer } from '../support/prometheus';

let prom: PrometheusServer;
let writer: RemoteWriter;
before(async () => {
  prom = await startPrometheus();
  writer = createRemoteWriter(loadRemoteWriteConfig(new EnvReader({ REMOTE_WRITE_URL: prom.writeUrl }), true)!, { log: silentLogger });
});
after(async () => {
  await prom.stop();
});

test('series land in a real Prometheus with exact values, labels and timestamps', async () => {
  const t = Date.now() - 60_000;
  const r = await writer.write([
    { labels: { __name__: 'e2e_values', job: 'j', instance: 'i', kind: 'a' }, samples: [{ value: 1.5, timestampMs: t }, { value: -2.25e10, timestampMs: t + 15_000 }] },
    { labels: { __name__: 'e2e_values', job: 'j', instance: 'i', kind: 'b' }, samples: [{ value: Infinity, timestampMs: t }] },
  ]);
  assert.equal(r.samplesSent, 3);
  const raw = await prom.rawSamples('e2e_values{kind="a"}', 600);
  assert.deepEqual(raw[0]?.metric, { __name__: 'e2e_values', job: 'j', instance: 'i', kind: 'a' });
  assert.deepEqual(raw[0]?.values.map(([ts, v]) => [Math.round(ts * 1000), v]), [[t, '1.5'], [t + 15_000, '-22500000000']]);
  const inf = await prom.query('e2e_values{kind="b"}', (t + 1000) / 1000);
  assert.equal(inf[0]?.value[1], '+Inf');
});

test('a stale marker ends the series at once', async () => {
  const t = Date.now() - 120_000;
  await writer.write([{ labels: { __name__: 'e2e_stale' }, samples: [{ value: 7, timestampMs: t }, { value: 0, timestampMs: t + 30_000, stale: true }] }]);
  assert.equal((await prom.query('e2e_stale', (t + 29_000) / 1000))[0]?.value[1], '7');
  assert.deepEqual(await prom.query('e2e_stale', (t + 31_000) / 1000), [], 'without the marker the value would show for 5 minutes');
});

test('10^5 series arrive complete', async () => {
  const t = Date.now() - 30_000;
  const series = Array.from({ length: 100_000 }, (_, i) => ({ labels: { __name__: 'e2e_many', shard: String(i % 7), i: String(i) }, samples: [{ value: i, timestampMs: t }] }));
  const r = await writer.write(series);
  assert.equal(r.samplesSent, 100_000);
  assert.equal(r.requests, 50, '2000 samples per request');
  const count = await prom.query('count({__name__=~"e2e_ma.y"})', t / 1000 + 1);
  assert.equal(count[0]?.value[1], '100000');
  const sum = await prom.query('sum(e2e_many)', t / 1000 + 1);
  assert.equal(sum[0]?.value[1], String((99_999 * 100_000) / 2));
});
