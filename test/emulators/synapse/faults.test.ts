import { after, afterEach, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { startSynapseEmulator, type SynapseEmulator } from '../../../lib/emulators/synapse';
import { appUrl, get, listUrl, runningApps, SAMPLE_LINE } from './client';

let emu: SynapseEmulator;
before(async () => {
  emu = await startSynapseEmulator();
});
after(async () => {
  await emu.close();
});
afterEach(() => {
  const f = emu.faults;
  for (const set of [f.truncateDiscovery, f.unauthorized, f.malformedText, f.emptyText, f.status500]) set.clear();
  for (const record of [f.discoveryStatus, f.slowMs]) for (const k of Object.keys(record)) delete record[k];
});

const contoso = () => runningApps(emu, 'contoso');

test('discoveryStatus answers that status on the monitoring list of that workspace only', async () => {
  emu.faults.discoveryStatus.contoso = 503;
  const res = await get(listUrl(emu, 'contoso'));
  assert.equal(res.status, 503);
  assert.ok((JSON.parse(res.body) as { message: string }).message);
  assert.equal((await get(listUrl(emu, 'fabrikam'))).status, 200);
  assert.equal((await get(appUrl(emu, 'contoso', contoso()[0]!, 'text'))).status, 200, 'executor endpoints unaffected');
});

test('truncateDiscovery answers 200 with a body that is not JSON', async () => {
  emu.faults.truncateDiscovery.add('fabrikam');
  const res = await get(listUrl(emu, 'fabrikam'));
  assert.equal(res.status, 200);
  assert.throws(() => JSON.parse(res.body) as unknown, SyntaxError);
});

test('unauthorized on a workspace refuses everything there; on an application only its executor endpoints', async () => {
  emu.faults.unauthorized.add('fabrikam');
  assert.equal((await get(listUrl(emu, 'fabrikam'))).status, 401);
  assert.equal((await get(appUrl(emu, 'fabrikam', runningApps(emu, 'fabrikam')[0]!, 'executors'))).status, 401);
  assert.equal((await get(listUrl(emu, 'contoso'))).status, 200);
  const [victim, bystander] = contoso();
  emu.faults.unauthorized.add(victim!.appId!);
  assert.equal((await get(appUrl(emu, 'contoso', victim!, 'text'))).status, 401);
  assert.equal((await get(appUrl(emu, 'contoso', victim!, 'executors'))).status, 401);
  assert.equal((await get(appUrl(emu, 'contoso', bystander!, 'text'))).status, 200);
  assert.equal((await get(listUrl(emu, 'contoso'))).status, 200);
});

test('status500 fails both executor endpoints of an application, or of every application in a workspace', async () => {
  const [victim, bystander] = contoso();
  emu.faults.status500.add(victim!.appId!);
  assert.equal((await get(appUrl(emu, 'contoso', victim!, 'text'))).status, 500);
  assert.equal((await get(appUrl(emu, 'contoso', victim!, 'executors'))).status, 500);
  assert.equal((await get(appUrl(emu, 'contoso', bystander!, 'text'))).status, 200);
  emu.faults.status500.add('contoso');
  assert.equal((await get(appUrl(emu, 'contoso', bystander!, 'text'))).status, 500);
  assert.equal((await get(listUrl(emu, 'contoso'))).status, 200, 'discovery is not an executor endpoint');
});

test('malformedText answers 200 with a body that is not Spark executor text', async () => {
  const [victim, bystander] = contoso();
  emu.faults.malformedText.add(victim!.appId!);
  const bad = await get(appUrl(emu, 'contoso', victim!, 'text'));
  assert.equal(bad.status, 200);
  const lines = bad.body.split('\n').filter((l) => l !== '');
  assert.ok(lines.length > 0);
  assert.ok(lines.every((l) => !SAMPLE_LINE.test(l)), 'no line is a valid sample');
  assert.equal((await get(appUrl(emu, 'contoso', victim!, 'executors'))).status, 200, 'the JSON still answers');
  assert.ok((await get(appUrl(emu, 'contoso', bystander!, 'text'))).body.split('\n').some((l) => SAMPLE_LINE.test(l)));
});

test('emptyText answers a blank 200 while /executors still lists the executors', async () => {
  const [victim] = contoso();
  emu.faults.emptyText.add('contoso');
  const empty = await get(appUrl(emu, 'contoso', victim!, 'text'));
  assert.deepEqual([empty.status, empty.body], [200, '']);
  const json = await get(appUrl(emu, 'contoso', victim!, 'executors'));
  assert.equal((JSON.parse(json.body) as unknown[]).length, victim!.executors.filter((e) => e.isActive).length);
  assert.notEqual((await get(appUrl(emu, 'fabrikam', runningApps(emu, 'fabrikam')[0]!, 'text'))).body, '');
});

test('slowMs delays an application, or a whole workspace, by that many milliseconds', async () => {
  const [slow, quick] = contoso();
  emu.faults.slowMs[slow!.appId!] = 250;
  const timed = async (url: string) => {
    const t0 = performance.now();
    assert.equal((await get(url)).status, 200);
    return performance.now() - t0;
  };
  assert.ok((await timed(appUrl(emu, 'contoso', slow!, 'text'))) >= 240);
  assert.ok((await timed(appUrl(emu, 'contoso', quick!, 'text'))) < 200);
  emu.faults.slowMs.fabrikam = 250;
  assert.ok((await timed(listUrl(emu, 'fabrikam'))) >= 240);
});

test('latencyMs delays every request, and concurrent requests are tracked per workspace', async () => {
  const slow = await startSynapseEmulator({ latencyMs: 300 });
  try {
    const apps = runningApps(slow, 'contoso');
    const t0 = performance.now();
    await Promise.all([
      ...apps.slice(0, 5).map((a) => get(appUrl(slow, 'contoso', a, 'text'))),
      get(listUrl(slow, 'fabrikam')),
      get(listUrl(slow, 'fabrikam')),
    ]);
    assert.ok(performance.now() - t0 >= 295);
    assert.deepEqual(slow.requests.maxInFlightPerWorkspace, { contoso: 5, fabrikam: 2 });
    assert.equal(slow.requests.total, 7);
    assert.deepEqual(slow.requests.byKind, { prometheus: 5, list: 2 });
    await get(listUrl(slow, 'contoso'));
    assert.equal(slow.requests.maxInFlightPerWorkspace.contoso, 5, 'sequential requests do not add up');
  } finally {
    await slow.close();
  }
});

test('a request the client abandons stops counting as in flight', async () => {
  const [slow] = contoso();
  emu.faults.slowMs[slow!.appId!] = 1000;
  const abandoned = new AbortController();
  const pending = fetch(appUrl(emu, 'contoso', slow!, 'text'), { signal: abandoned.signal }).catch(() => 'aborted');
  await new Promise((r) => setTimeout(r, 50));
  abandoned.abort();
  assert.equal(await pending, 'aborted');
  await new Promise((r) => setTimeout(r, 50));
  const before = emu.requests.maxInFlightPerWorkspace.contoso ?? 0;
  // Two at once now: had the abandoned one still counted, three would be in flight.
  delete emu.faults.slowMs[slow!.appId!];
  emu.faults.slowMs.contoso = 100;
  await Promise.all([get(listUrl(emu, 'contoso')), get(listUrl(emu, 'contoso'))]);
  assert.equal(Math.max(before, 2), emu.requests.maxInFlightPerWorkspace.contoso);
  assert.ok(emu.requests.maxInFlightPerWorkspace.contoso! <= 2);
});
