import { test } from 'node:test';
import assert from 'node:assert/strict';
import { loadConfig } from '../../lib/config';
import { runCycle } from '../../lib/cycle';
import { silentLogger } from '../../lib/log';
import { createRemoteWriter } from '../../lib/remote-write';
import { seriesKey, type Series, type SeriesGroup } from '../../lib/series';
import type { CollectContext, Source, TargetResult } from '../../lib/sources/source';
import { MemoryStateStore, type StateStore } from '../../lib/state/store';
import { freePort } from '../support/ports';
import { startPrometheus } from '../support/prometheus';
import { forSuite } from '../support/suite';

const prom = forSuite(startPrometheus, (p) => p.stop());

const NAMES = Array.from({ length: 12 }, (_, i) => `stream_group_metric_${i}`);

/** An executor as the Synapse source hands it over: labels once, a name and a value per metric. */
function executor(run: string, app: number, id: number, ts: number, names: readonly string[] = NAMES, extra: Record<string, string> = {}): SeriesGroup {
  return {
    labels: { job: 'synapse', instance: 'ws', run, application_id: `app-${app}`, executor_id: String(id), ...extra },
    names: [...names],
    values: names.map((_, i) => app * 10_000 + id * 100 + i),
    timestampMs: ts,
  };
}

interface Emission {
  series: Series[];
  groups: SeriesGroup[];
}

/** A source that emits its applications one emit() each (plain series and groups together), then returns an info series. */
const instances = new WeakMap<Source, string>();

function groupedSource(run: string, emissions: (nowMs: number) => Emission[]): Source {
  const source: Source = {
    name: 'synapse',
    async collect(ctx: CollectContext): Promise<TargetResult[]> {
      for (const e of emissions(ctx.nowMs)) await ctx.emit!('ws', e.series, e.groups);
      return [{ source: 'synapse', target: 'ws', up: true, series: [{ labels: { __name__: 'stream_group_info', job: 'synapse', instance: 'ws', run }, samples: [{ value: 1, timestampMs: ctx.nowMs }] }] }];
    },
  };
  instances.set(source, run);
  return source;
}

/** Each test its own LAKEPULSE_INSTANCE: the health series of one test's cycles never meet another's timestamps. */
async function cycle(source: Source, state: StateStore, nowMs: number, url = prom.writeUrl) {
  const config = loadConfig({
    REMOTE_WRITE_URL: url,
    REMOTE_WRITE_MAX_SAMPLES_PER_REQUEST: '100',
    REMOTE_WRITE_MAX_RETRY_MS: '2000',
    LAKEPULSE_INSTANCE: `stream-groups-${source.name}-${instances.get(source) ?? 'x'}`,
    EXTERNAL_LABELS: 'cluster=test,region=westeurope',
  });
  const writer = createRemoteWriter(config.remoteWrite!, { log: silentLogger, lanes: 4 });
  return runCycle({ config, sources: [source], state, log: silentLogger, writer, now: () => nowMs });
}

/** Series of a run in Prometheus, by seriesKey: labels and [timestamp ms, value] samples. */
async function stored(run: string): Promise<Map<string, { metric: Record<string, string>; values: Array<[number, number]> }>> {
  const raw = await prom.rawSamples(`{run="${run}"}`, 3600);
  return new Map(raw.map((r) => [seriesKey(r.metric), { metric: r.metric, values: r.values.map(([t, v]): [number, number] => [Math.round(t * 1000), Number(v)]) }]));
}

test('groups emitted during collection reach Prometheus with the external labels; the report counts their members', async () => {
  const run = 'e2e';
  const t = Date.now() - 120_000;
  const state = new MemoryStateStore();
  const source = groupedSource(run, (now) => [
    {
      series: [{ labels: { __name__: 'stream_group_plain', job: 'synapse', instance: 'ws', run, application_id: 'app-0' }, samples: [{ value: 5, timestampMs: now }] }],
      groups: Array.from({ length: 10 }, (_, id) => executor(run, 0, id, now)),
    },
    // A group that sets one of the external labels itself keeps its own value.
    { series: [], groups: [...Array.from({ length: 10 }, (_, id) => executor(run, 1, id, now)), executor(run, 2, 0, now, NAMES.slice(0, 3), { cluster: 'own' })] },
  ]);
  const report = await cycle(source, state, t);
  assert.equal(report.failedSamples, 0, report.errors.join('; '));
  assert.deepEqual(report.errors, []);
  const members = 20 * NAMES.length + 3;
  assert.deepEqual(report.targets.map((x) => [x.source, x.target, x.series]), [['synapse', 'ws', members + 1 + 1]], 'members + the plain series + the info series');

  const got = await stored(run);
  assert.equal(got.size, members + 2);
  for (const { metric, values } of got.values()) {
    assert.equal(metric.region, 'westeurope', `${metric.__name__} has the external labels`);
    assert.equal(metric.cluster, metric.application_id === 'app-2' ? 'own' : 'test');
    assert.deepEqual(values.map(([ts]) => ts), [t], `${metric.__name__}: one sample at the cycle's time`);
  }
  const one = got.get(seriesKey({ __name__: 'stream_group_metric_11', job: 'synapse', instance: 'ws', run, application_id: 'app-1', executor_id: '7', cluster: 'test', region: 'westeurope' }));
  assert.deepEqual(one?.values, [[t, 10_711]]);
});

test('a member missing in the next cycle gets one stale marker in Prometheus; a name repeated in a later part is sent once', async () => {
  const run = 'stale';
  const state = new MemoryStateStore();
  const t1 = Date.now() - 100_000;
  const first = await cycle(groupedSource(run, (now) => [{ series: [], groups: [executor(run, 0, 0, now), executor(run, 0, 1, now)] }]), state, t1);
  assert.equal(first.failedSamples, 0);
  const t2 = t1 + 30_000;
  const second = await cycle(
    groupedSource(run, (now) => [
      { series: [], groups: [executor(run, 0, 0, now), executor(run, 0, 1, now, NAMES.filter((n) => n !== 'stream_group_metric_4'))] },
      // Executor 0 again in a later part, with a name it already had and a new one: only the new one goes out.
      { series: [], groups: [{ ...executor(run, 0, 0, now, ['stream_group_metric_0', 'stream_group_extra']), values: [-1, 42] }] },
    ]),
    state,
    t2,
  );
  assert.equal(second.failedSamples, 0, second.errors.join('; '));
  const got = await stored(run);
  const gone = seriesKey({ __name__: 'stream_group_metric_4', job: 'synapse', instance: 'ws', run, application_id: 'app-0', executor_id: '1', cluster: 'test', region: 'westeurope' });
  // The raw samples show the marker as the series ending: the sample at t1 and nothing at t2 (stale markers are not returned).
  assert.deepEqual(got.get(gone)?.values, [[t1, 104]]);
  const live = await prom.query(`{run="${run}"}`, (t2 + 1000) / 1000);
  const liveNames = live.filter((x) => x.metric.executor_id === '1').map((x) => x.metric.__name__).sort();
  assert.deepEqual(liveNames, NAMES.filter((n) => n !== 'stream_group_metric_4').sort(), 'ended at once by the marker, not 5 minutes later');
  assert.equal(live.filter((x) => x.metric.executor_id === '1').length, NAMES.length - 1);
  const before = await prom.query(`stream_group_metric_4{run="${run}",executor_id="1"}`, (t2 + 1000 - 30_000) / 1000);
  assert.equal(before.length, 1, 'it was there before');
  // The repeat is left out (the first value stays), the new name is sent.
  const zero = got.get(seriesKey({ __name__: 'stream_group_metric_0', job: 'synapse', instance: 'ws', run, application_id: 'app-0', executor_id: '0', cluster: 'test', region: 'westeurope' }));
  assert.deepEqual(zero?.values, [[t1, 0], [t2, 0]]);
  const extra = got.get(seriesKey({ __name__: 'stream_group_extra', job: 'synapse', instance: 'ws', run, application_id: 'app-0', executor_id: '0', cluster: 'test', region: 'westeurope' }));
  assert.deepEqual(extra?.values, [[t2, 42]]);
});

test('group members an unreachable receiver did not take are spooled as plain series and reach Prometheus first next cycle', async () => {
  const run = 'spool';
  const state = new MemoryStateStore();
  const dead = `http://127.0.0.1:${await freePort()}/api/v1/write`;
  const t1 = Date.now() - 80_000;
  const groups = (now: number) => [{ series: [], groups: Array.from({ length: 15 }, (_, id) => executor(run, 3, id, now)) }];
  const lost = await cycle(groupedSource(run, groups), state, t1, dead);
  const members = 15 * NAMES.length;
  assert.ok(lost.failedSamples >= members + 1, `${lost.failedSamples} samples not delivered`);
  const t2 = t1 + 20_000;
  const next = await cycle(groupedSource(run, groups), state, t2);
  assert.equal(next.failedSamples, 0, next.errors.join('; '));
  const got = await stored(run);
  assert.equal(got.size, members + 1);
  for (const { metric, values } of got.values()) {
    assert.equal(metric.cluster, 'test', 'the spooled copy carries the external labels once, as the fresh one');
    assert.deepEqual(values.map(([ts]) => ts), [t1, t2], `${metric.__name__}{executor_id=${metric.executor_id}}: the spooled sample, then the new one`);
  }
  const one = got.get(seriesKey({ __name__: 'stream_group_metric_5', job: 'synapse', instance: 'ws', run, application_id: 'app-3', executor_id: '14', cluster: 'test', region: 'westeurope' }));
  assert.deepEqual(one?.values, [[t1, 31_405], [t2, 31_405]]);
});
