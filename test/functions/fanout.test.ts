import { test } from 'node:test';
import assert from 'node:assert/strict';
import { InvocationContext, type Timer } from '@azure/functions';
import { collectWorker } from '../../functions/collect';
import { collectQueue, synapseTimer } from '../../functions/synapse';
import { collectOnce } from '../../lib/collector';
import { startIdentityEmulator } from '../../lib/emulators/identity';
import { startSynapseEmulator, type SynapseEmulator } from '../../lib/emulators/synapse';
import { silentLogger } from '../../lib/log';
import { openStateStore } from '../../lib/state/open';
import { forSuite } from '../support/suite';
import { startAzurite } from '../support/azurite';
import { startPrometheus } from '../support/prometheus';

const NOW = Date.now();
const prom = forSuite(startPrometheus, (p) => p.stop());
const azurite = forSuite(startAzurite, (a) => a.stop());
const identity = forSuite(() => startIdentityEmulator(), (i) => i.close());
const synapse = forSuite(() => startSynapseEmulator({ identity, nowMs: NOW }), (s) => s.close());

const timer = (last: number, next: number): Timer => ({
  isPastDue: false,
  schedule: { adjustForDST: true },
  scheduleStatus: { last: new Date(last).toISOString(), next: new Date(next).toISOString(), lastUpdated: new Date(last).toISOString() },
});
function context(name: string): InvocationContext & { lines: string[] } {
  const lines: string[] = [];
  const ctx = new InvocationContext({ invocationId: `fanout-${name}`, functionName: name, logHandler: (level, ...args) => void lines.push(`${level} ${args.join(' ')}`) });
  return Object.assign(ctx, { lines });
}
function settings(path: string, extra: Record<string, string> = {}): Record<string, string> {
  return {
    ...identity.env,
    SYNAPSE_WORKSPACES: (synapse as SynapseEmulator).env.SYNAPSE_WORKSPACES,
    REMOTE_WRITE_URL: prom.writeUrl,
    STATE_STORE: azurite.containerUrl(`fanout-${path}`),
    EXTERNAL_LABELS: `path=${path}`,
    LAKEPULSE_INSTANCE: 'fanout-test',
    SYNAPSE_APPS_PER_MESSAGE: '1',
    SYNAPSE_SCHEDULE: '0 * * * * *',
    ...extra,
  };
}
/** Synapse series by label set (without `path`) → value, for one path. */
async function synapseSeries(path: string): Promise<Map<string, string>> {
  const rows = await prom.query(`{path="${path}", job=~"synapse-workspace-.+", __name__!="synapse_connector_application_discovery_duration"}`);
  const out = new Map<string, string>();
  for (const r of rows) {
    const { path: _p, ...labels } = r.metric;
    out.set(JSON.stringify(Object.keys(labels).sort().map((k) => [k, labels[k]])), r.value[1]);
  }
  return out;
}

let messages: unknown[] = [];

test('FANOUT=queue: the timer only plans, collect works the slices, and Prometheus holds what one in-process cycle pushes', async () => {
  Object.assign(process.env, settings('inprocess'));
  const inProcess = await collectOnce({ env: process.env, source: 'synapse', log: silentLogger });
  assert.equal(inProcess.failedSamples, 0);

  Object.assign(process.env, settings('fanout', { FANOUT: 'queue' }));
  const plan = context('synapse');
  await synapseTimer(timer(Date.now() - 60_000, Date.now() + 60_000), plan);
  messages = plan.extraOutputs.get(collectQueue) as unknown[];
  assert.ok(Array.isArray(messages) && messages.length >= 4, `one message per application with SYNAPSE_APPS_PER_MESSAGE=1 (got ${JSON.stringify(messages)?.slice(0, 300)})`);
  for (const m of messages) {
    const parsed = JSON.parse(JSON.stringify(m)) as { version: number; kind: string; workspace: string; applications: unknown[] };
    assert.equal(parsed.version, 1, 'plain JSON with a version field');
    assert.ok(parsed.applications.length <= 1);
  }
  // The planner pushed discovery series only: no executor series before the workers ran.
  assert.equal((await prom.query('count(spark_executor_memoryUsed_bytes{path="fanout"})')).length, 0);

  for (const m of messages) await collectWorker(JSON.parse(JSON.stringify(m)) as unknown, context('collect'));
  const want = await synapseSeries('inprocess');
  const got = await synapseSeries('fanout');
  assert.ok(want.size > 50, `the in-process cycle pushed Synapse series (${want.size})`);
  const missing = [...want.keys()].filter((k) => !got.has(k));
  const extra = [...got.keys()].filter((k) => !want.has(k));
  assert.deepEqual({ missing: missing.slice(0, 5), extra: extra.slice(0, 5) }, { missing: [], extra: [] });
  for (const [k, v] of want) assert.equal(got.get(k), v, k);
});

test('a redelivered message is skipped and doubles no counter; malformed and expired messages are dropped and counted', async () => {
  const first = messages[0] as { workspace: string; slice: number };
  const wsName = new URL(first.workspace).pathname.split('/').pop()!;
  const state = openStateStore(process.env.STATE_STORE!, { env: process.env, credential: { getToken: async () => null }, log: silentLogger });
  const totalsKey = `health/collect/${wsName}/${first.slice}/totals`;
  const before = (await state.get(totalsKey)) as { cycles: number; samplesSent: number };
  assert.equal(before.cycles, 1);

  const again = context('collect');
  await collectWorker(messages[0], again);
  assert.ok(again.lines.some((l) => l.includes('redelivered')), again.lines.join('\n'));
  assert.deepEqual(await state.get(totalsKey), before, 'no counter moved');

  const bad = context('collect');
  await collectWorker('{"version":', bad);
  await collectWorker({ version: 99, kind: 'synapse-slice' }, bad);
  await collectWorker({ ...(messages[0] as object), workspace: 'https://evil.example.com' }, bad);
  assert.equal(bad.lines.filter((l) => l.startsWith('error') && /malformed|does not list/.test(l)).length, 3, bad.lines.join('\n'));
  const old = context('collect');
  await collectWorker({ ...(messages[0] as object), cycleMs: Date.now() - 300_000, notAfterMs: Date.now() - 240_000 }, old);
  assert.ok(old.lines.some((l) => l.includes('older than its schedule interval')));
  assert.deepEqual(await state.get('fanout/skipped'), { duplicate: 1, malformed: 2, unknown_workspace: 1, expired: 1 });

  // The next plan reports the skips.
  const plan = context('synapse');
  await synapseTimer(timer(Date.now() - 60_000, Date.now() + 60_000), plan);
  const skipped = await prom.query('lakepulse_fanout_messages_skipped_total{path="fanout"}');
  assert.equal(skipped.find((r) => r.metric.reason === 'malformed')?.value[1], '2');
});

test('an application that ends is marked stale by the slice that owned it', async () => {
  const emu = synapse as SynapseEmulator;
  const plan = context('synapse');
  await synapseTimer(timer(Date.now() - 60_000, Date.now() + 60_000), plan);
  const planned = plan.extraOutputs.get(collectQueue) as Array<{ slice: number; workspace: string; applications: Array<{ appId: string }> }>;
  for (const m of planned) await collectWorker(m, context('collect'));
  const victim = planned.find((m) => m.applications.length === 1)!;
  const appId = victim.applications[0]!.appId;
  const wsName = new URL(victim.workspace).pathname.split('/').pop()!;
  assert.ok((await prom.query(`count(spark_executor_memoryUsed_bytes{path="fanout",application_id="${appId}"})`)).length === 1);

  emu.endApplication(wsName, appId);
  await new Promise((r) => setTimeout(r, 1100));
  const next = context('synapse');
  await synapseTimer(timer(Date.now() - 60_000, Date.now() + 60_000), next);
  const replanned = next.extraOutputs.get(collectQueue) as Array<{ slice: number; workspace: string; applications: unknown[] }>;
  const emptied = replanned.find((m) => m.workspace === victim.workspace && m.slice === victim.slice);
  assert.deepEqual(emptied?.applications, [], 'the emptied slice still gets its message');
  for (const m of replanned) await collectWorker(m, context('collect'));
  assert.equal((await prom.query(`spark_executor_memoryUsed_bytes{path="fanout",application_id="${appId}"}`)).length, 0, 'stale at once');
  const others = replanned.filter((m) => m.applications.length > 0).length;
  assert.ok(others >= 3, 'the other slices kept their applications');
});

test('with STATE_STORE unset, a timer keeps its state in the lakepulse-state container of AzureWebJobsStorage', async () => {
  const saved = { ...process.env };
  try {
    Object.assign(process.env, settings('ownstorage'));
    delete process.env.STATE_STORE;
    delete process.env.FANOUT;
    process.env.AzureWebJobsStorage = azurite.connectionString;
    const ctx = context('synapse');
    await synapseTimer(timer(Date.now() - 60_000, Date.now() + 60_000), ctx);
    assert.ok(ctx.lines.some((l) => l.includes('cycle finished')), ctx.lines.join('\n'));
    const own = openStateStore(azurite.containerUrl('lakepulse-state'), { env: {}, credential: { getToken: async () => null }, log: silentLogger });
    const totals = (await own.get('health/synapse/totals')) as { cycles: number } | undefined;
    assert.equal(totals?.cycles, 1, 'the counters live in the app\'s own storage');
    assert.ok((await own.list('series-sets/synapse/')).length >= 1, 'and so do the series sets');
  } finally {
    for (const k of Object.keys(process.env)) if (!(k in saved)) delete process.env[k];
    Object.assign(process.env, saved);
  }
});
