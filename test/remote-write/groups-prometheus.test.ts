import { test } from 'node:test';
import assert from 'node:assert/strict';
import { httpRequest, type HttpRequest } from '../../lib/http/request';
import { silentLogger } from '../../lib/log';
import type { RemoteWriteConfig } from '../../lib/remote-write/config';
import { reasonTooOld } from '../../lib/remote-write/labels';
import { createRemoteWriter, type RemoteWriterDeps, type WriteResult } from '../../lib/remote-write/sender';
import { expandGroup, seriesKey, type Series, type SeriesGroup } from '../../lib/series';
import { freePort } from '../support/ports';
import { startPrometheus } from '../support/prometheus';
import { forSuite } from '../support/suite';

const prom = forSuite(startPrometheus, (p) => p.stop());

function cfg(url: string, over: Partial<RemoteWriteConfig> = {}): RemoteWriteConfig {
  return {
    url: new URL(url), auth: { kind: 'none' }, maxSamplesPerRequest: 50, maxBytesPerRequest: 1_000_000, timeoutMs: 5000,
    maxRetryMs: 10_000, maxSampleAgeMs: 15 * 60_000, minBackoffMs: 10, maxBackoffMs: 50, headers: {}, sendMetadata: false, ...over,
  };
}

const deps = (extra: Partial<RemoteWriterDeps> = {}): RemoteWriterDeps => ({ log: silentLogger, sleep: async () => {}, random: () => 0.5, ...extra });

/** `executors` groups of `names` members each, all labelled `run`, values telling executor and member apart. */
function executors(run: string, count: number, names: number, ts: number): SeriesGroup[] {
  return Array.from({ length: count }, (_, e) => ({
    labels: { job: 'synapse', instance: 'ws1', run, application_id: `app-${e % 3}`, executor_id: String(e) },
    names: Array.from({ length: names }, (_, i) => `grp_metric_${i}`),
    values: Array.from({ length: names }, (_, i) => (i === 0 ? 0 : e * 1000 + i + 0.25)),
    timestampMs: ts,
  }));
}

/** Every series Prometheus has with `run`, as seriesKey → [timestamp ms, value] pairs. */
async function stored(run: string): Promise<Map<string, Array<[number, number]>>> {
  const raw = await prom.rawSamples(`{run="${run}"}`, 3600);
  return new Map(raw.map((r) => [seriesKey(r.metric), r.values.map(([t, v]): [number, number] => [Math.round(t * 1000), Number(v)])]));
}

function expected(series: readonly Series[]): Map<string, Array<[number, number]>> {
  return new Map(series.map((s) => [seriesKey(s.labels), s.samples.map((x): [number, number] => [x.timestampMs, x.value])]));
}

const dropped = (r: WriteResult) => Object.values(r.samplesDropped).reduce((a, b) => a + b, 0);

for (const lanes of [1, 4]) {
  test(`groups and plain series land in Prometheus with their labels and values (${lanes} lane${lanes > 1 ? 's' : ''})`, async () => {
    const run = `land${lanes}`;
    const t = Date.now() - 60_000;
    const groups = executors(run, 40, 13, t); // 520 members: cut across requests of 50
    const plain: Series[] = [
      { labels: { __name__: 'grp_plain', job: 'synapse', instance: 'ws1', run }, samples: [{ value: 1, timestampMs: t - 15_000 }, { value: 2, timestampMs: t }] },
    ];
    const r = await createRemoteWriter(cfg(prom.writeUrl), deps({ lanes })).write(plain, [], undefined, groups);
    assert.deepEqual(r.errors, []);
    assert.equal(r.samplesSent, 520 + 2);
    assert.equal(r.samplesFailed + dropped(r), 0);
    assert.deepEqual(r.undelivered, []);
    assert.ok(r.requests >= Math.ceil(522 / 50), `${r.requests} requests`);
    const want = expected([...plain, ...groups.flatMap((g) => expandGroup(g))]);
    const got = await stored(run);
    assert.equal(got.size, want.size);
    assert.deepEqual(got, want);
    // One member through the query API as well: the name from names[], the group's labels, the value.
    const one = await prom.query(`grp_metric_7{run="${run}",executor_id="39"}`, t / 1000);
    assert.deepEqual(one.map((x) => [x.metric, x.value[1]]), [[{ __name__: 'grp_metric_7', job: 'synapse', instance: 'ws1', run, application_id: 'app-0', executor_id: '39' }, '39007.25']]);
  });
}

test('a group older than maxSampleAgeMs is dropped too_old as a whole (samples and series = its members); the rest is sent', async () => {
  const run = 'old';
  const now = Date.now();
  const fresh = executors(run, 2, 5, now - 60_000);
  const old = executors(run, 3, 4, now - 20 * 60_000).map((g) => ({ ...g, labels: { ...g.labels, executor_id: `old-${g.labels.executor_id}` } }));
  const r = await createRemoteWriter(cfg(prom.writeUrl), deps({ lanes: 2 })).write([], [], undefined, [fresh[0]!, ...old, fresh[1]!]);
  assert.equal(r.samplesSent, 10);
  assert.deepEqual(r.samplesDropped, { [reasonTooOld]: 12 });
  assert.deepEqual(r.seriesDropped, { [reasonTooOld]: 12 });
  assert.equal(r.samplesFailed, 0);
  assert.deepEqual(await stored(run), expected(fresh.flatMap((g) => expandGroup(g))));
});

for (const lanes of [1, 3]) {
  test(`receiver down: every member comes back in undelivered as a plain series with __name__ and its value (${lanes} lane${lanes > 1 ? 's' : ''})`, async () => {
    const dead = `http://127.0.0.1:${await freePort()}/api/v1/write`;
    const t = Date.now() - 30_000;
    const groups = executors('down', 12, 11, t); // 132 members
    const plain: Series[] = [{ labels: { __name__: 'grp_plain_down', job: 'j' }, samples: [{ value: 3, timestampMs: t }] }];
    const r = await createRemoteWriter(cfg(dead, { maxRetryMs: 300 }), deps({ lanes })).write(plain, [], undefined, groups);
    assert.equal(r.samplesSent, 0);
    assert.equal(r.samplesFailed, 133);
    assert.equal(dropped(r), 0);
    assert.ok(r.errors.length >= 1);
    assert.equal(r.undelivered.length, 133);
    assert.deepEqual(expected(r.undelivered), expected([...plain, ...groups.flatMap((g) => expandGroup(g))]));
    for (const s of r.undelivered) assert.ok(s.labels.__name__, 'a name on every undelivered series');
  });
}

for (const lanes of [1, 3]) {
  test(`an abort during the write accounts every member exactly once: sent (and in Prometheus) or undelivered (${lanes} lane${lanes > 1 ? 's' : ''})`, async () => {
    const run = `abort${lanes}`;
    const t = Date.now() - 45_000;
    const groups = executors(run, 30, 17, t); // 510 members, ≥ 11 requests
    const controller = new AbortController();
    // Requests one at a time (lanes wait on each other here), the abort before the third: no request is cut off in
    // flight, so what Prometheus has is exactly what was counted sent.
    let calls = 0;
    let previous: Promise<unknown> = Promise.resolve();
    const request: HttpRequest = async (url, options) => {
      const turn = previous.then(async () => {
        if (++calls === 3) controller.abort(new Error('budget spent'));
        return httpRequest(url, options);
      });
      previous = turn.catch(() => undefined);
      return turn;
    };
    const r = await createRemoteWriter(cfg(prom.writeUrl), deps({ lanes, request })).write([], [], controller.signal, groups);
    assert.ok(r.samplesSent > 0 && r.samplesSent < 510, `sent ${r.samplesSent}`);
    if (lanes === 1) assert.equal(r.samplesSent, 100, 'two full requests went out before the abort');
    assert.equal(r.samplesSent + r.samplesFailed + dropped(r), 510);
    assert.equal(r.undelivered.length, r.samplesFailed);
    assert.ok(r.errors.some((e) => e.includes('budget spent')), r.errors.join('; '));
    const got = await stored(run);
    assert.equal(got.size, r.samplesSent, 'what was counted sent is what Prometheus has');
    const all = expected(groups.flatMap((g) => expandGroup(g)));
    const kept = expected(r.undelivered);
    for (const [key, samples] of kept) {
      assert.equal(got.has(key), false, 'an undelivered member was not also sent');
      assert.deepEqual(samples, all.get(key));
    }
    for (const [key, samples] of got) assert.deepEqual(samples, all.get(key));
    assert.equal(got.size + kept.size, all.size, 'every member once, one way or the other');
  });
}

test('a signal aborted before the write starts sends nothing and hands every member back', async () => {
  const groups = executors('preabort', 5, 9, Date.now() - 10_000);
  const controller = new AbortController();
  controller.abort(new Error('no time left'));
  let calls = 0;
  const request: HttpRequest = async (url, options) => {
    calls++;
    return httpRequest(url, options);
  };
  const r = await createRemoteWriter(cfg(prom.writeUrl), deps({ lanes: 2, request })).write([], [], controller.signal, groups);
  assert.equal(calls, 0);
  assert.equal(r.samplesSent, 0);
  assert.equal(r.samplesFailed, 45);
  assert.deepEqual(expected(r.undelivered), expected(groups.flatMap((g) => expandGroup(g))));
});
