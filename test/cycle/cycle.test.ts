import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { loadConfig } from '../../lib/config';
import { runCycle } from '../../lib/cycle';
import { memoryLogger, silentLogger } from '../../lib/log';
import { createRemoteWriter } from '../../lib/remote-write';
import type { Series } from '../../lib/series';
import type { CollectContext, Source, TargetResult } from '../../lib/sources/source';
import { MemoryStateStore, OverlayStateStore } from '../../lib/state/store';
import { freePort } from '../support/ports';
import { startPrometheus, type PrometheusServer } from '../support/prometheus';

let prom: PrometheusServer;
before(async () => {
  prom = await startPrometheus();
});
after(async () => {
  await prom.stop();
});

/** A source at the Source interface, returning whatever the test scripts for each call. */
function scriptedSource(name: 'databricks' | 'synapse', script: (ctx: CollectContext) => TargetResult[]): Source & { calls: number } {
  const source = {
    name,
    calls: 0,
    async collect(ctx: CollectContext): Promise<TargetResult[]> {
      source.calls += 1;
      return script(ctx);
    },
  };
  return source;
}

function metric(name: string, labels: Record<string, string>, value: number, ts: number): Series {
  return { labels: { __name__: name, ...labels }, samples: [{ value, timestampMs: ts }] };
}

function config(url: string, extra: Record<string, string> = {}) {
  return loadConfig({ REMOTE_WRITE_URL: url, EXTERNAL_LABELS: 'cluster=test', LAKEPULSE_INSTANCE: 'unit', REMOTE_WRITE_MAX_RETRY_MS: '300', ...extra });
}

async function value(promql: string, atMs: number): Promise<string | undefined> {
  const r = await prom.query(promql, atMs / 1000);
  return r[0]?.value[1];
}

test('a failing source goes down alone, the rest is pushed with external labels and health series', async () => {
  const t = Date.now();
  const good = scriptedSource('synapse', (ctx) => [
    { source: 'synapse', target: 'ws-a', up: true, series: [metric('cycle_test_good', { job: 'j', instance: 'i', cluster: 'own' }, 7, ctx.nowMs)] },
    { source: 'synapse', target: 'ws-b', up: false, series: [], error: 'HTTP 500 from monitoring API' },
  ]);
  const broken: Source = { name: 'databricks', collect: async () => Promise.reject(new Error('driver exploded')) };
  const log = memoryLogger();
  const report = await runCycle({
    config: config(prom.writeUrl),
    sources: [good, broken],
    state: new MemoryStateStore(),
    log,
    writer: createRemoteWriter(config(prom.writeUrl).remoteWrite!, { log }),
    now: () => t,
  });
  assert.deepEqual(
    report.targets.map((x) => [x.source, x.target, x.up]),
    [['synapse', 'ws-a', 1], ['synapse', 'ws-b', 0], ['databricks', 'databricks', 0]],
  );
  assert.equal(report.failedSamples, 0);
  assert.ok(report.requests >= 2, 'collected series and health series are pushed');
  assert.equal(await value('cycle_test_good{cluster="own",job="j"}', t), '7', "a series' own label wins over EXTERNAL_LABELS");
  assert.equal(await value('lakepulse_target_up{target="ws-b",cluster="test",instance="unit"}', t), '0');
  assert.equal(await value('lakepulse_target_up{target="ws-a"}', t), '1');
  assert.equal(await value('lakepulse_target_up{source="databricks"}', t), '0');
  assert.equal(await value('lakepulse_samples_pushed_total{job="lakepulse"}', t), String(report.samples - report.collected.filter((s) => s.labels.job === 'lakepulse').length));
  assert.ok(log.lines.some((l) => l.level === 'error' && JSON.stringify(l.fields).includes('driver exploded')));
});

test('a series that disappears gets a stale marker, so Prometheus stops returning it at once', async () => {
  const t0 = Date.now() - 120_000;
  let executors = ['1', '2'];
  const src = scriptedSource('synapse', (ctx) => [
    { source: 'synapse', target: 'ws', up: true, series: executors.map((e) => metric('cycle_test_executor', { executor_id: e }, 1, ctx.nowMs)) },
  ]);
  const state = new MemoryStateStore();
  const cfg = config(prom.writeUrl, { LAKEPULSE_INSTANCE: 'stale-test' });
  const writer = createRemoteWriter(cfg.remoteWrite!, { log: silentLogger });
  await runCycle({ config: cfg, sources: [src], state, log: silentLogger, writer, now: () => t0 });
  executors = ['1'];
  const second = await runCycle({ config: cfg, sources: [src], state, log: silentLogger, writer, now: () => t0 + 60_000 });
  assert.equal(second.collected.filter((s) => s.samples[0]?.stale).length, 1);
  // Without the marker, executor 2 would still be returned for 5 minutes of lookback.
  const at = await prom.query('cycle_test_executor', (t0 + 61_000) / 1000);
  assert.deepEqual(at.map((r) => r.metric.executor_id), ['1']);
  const before = await prom.query('cycle_test_executor', (t0 + 59_000) / 1000);
  assert.equal(before.length, 2);
});

test('samples that could not be delivered are counted, kept, and delivered first by the next cycle', async () => {
  const t0 = Date.now() - 60_000;
  const src = scriptedSource('databricks', (ctx) => [
    { source: 'databricks', target: 'h', up: true, series: [metric('cycle_test_retry', {}, ctx.nowMs === t0 ? 1 : 2, ctx.nowMs)] },
  ]);
  const state = new MemoryStateStore();
  const deadUrl = `http://127.0.0.1:${await freePort()}/api/v1/write`;
  const deadCfg = config(deadUrl, { LAKEPULSE_INSTANCE: 'retry-test' });
  const first = await runCycle({ config: deadCfg, sources: [src], state, log: silentLogger, writer: createRemoteWriter(deadCfg.remoteWrite!, { log: silentLogger }), now: () => t0 });
  assert.equal(first.failedSamples, first.samples, 'every sample is counted as not delivered');
  const cfg = config(prom.writeUrl, { LAKEPULSE_INSTANCE: 'retry-test' });
  const second = await runCycle({ config: cfg, sources: [src], state, log: silentLogger, writer: createRemoteWriter(cfg.remoteWrite!, { log: silentLogger }), now: () => t0 + 30_000 });
  assert.equal(second.failedSamples, 0, JSON.stringify(second.errors));
  const raw = await prom.rawSamples('cycle_test_retry', 600);
  assert.deepEqual(raw[0]?.values.map(([ts, v]) => [Math.round(ts * 1000), v]), [[t0, '1'], [t0 + 30_000, '2']]);
  assert.equal(await state.get('remote-write/undelivered'), undefined, 'nothing is left to re-send');
});

test('a dry run collects without pushing and leaves the state store as it was', async () => {
  const base = new MemoryStateStore();
  const src = scriptedSource('synapse', (ctx) => [{ source: 'synapse', target: 'w', up: true, series: [metric('dry', {}, 1, ctx.nowMs)] }]);
  const report = await runCycle({ config: loadConfig({}, { dryRun: true }), sources: [src], state: new OverlayStateStore(base), log: silentLogger });
  assert.equal(report.requests, 0);
  assert.ok(report.collected.some((s) => s.labels.__name__ === 'dry'));
  assert.equal(await base.get('series-sets/synapse/w'), undefined);
  assert.equal(await base.get('health/totals'), undefined);
});
