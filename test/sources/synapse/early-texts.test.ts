import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createAzureCredential } from '../../../lib/azure/credential';
import { loadConfig } from '../../../lib/config';
import { startSynapseEmulator, type SynapseEmulator } from '../../../lib/emulators/synapse';
import { httpRequest, type HttpRequest } from '../../../lib/http/request';
import { memoryLogger } from '../../../lib/log';
import { expandGroup, seriesKey } from '../../../lib/series';
import { createSynapseCollector, createSynapseSource } from '../../../lib/sources/synapse';
import { MemoryStateStore } from '../../../lib/state/store';
import { identityForSuite } from '../../support/identity';

const identity = identityForSuite();

/** The HTTP request function, recording when each list page and executor text started and ended, and how many are in flight. */
function recordingRequest(fail?: (url: URL) => boolean) {
  type Event = { kind: 'list' | 'text' | 'other'; skip: number; start: number; end: number };
  const events: Event[] = [];
  const tracker = { events, inFlight: 0 };
  const f: HttpRequest = async (url, options) => {
    const kind = url.pathname.includes('/monitoring/') ? 'list' : url.pathname.endsWith('/prometheus') ? 'text' : 'other';
    const row: Event = { kind, skip: Number(url.searchParams.get('skip') ?? 0), start: performance.now(), end: 0 };
    events.push(row);
    tracker.inFlight++;
    try {
      if (fail?.(url)) {
        await new Promise((r) => setTimeout(r, 30));
        return { status: 500, headers: { 'content-type': 'application/json' }, body: Buffer.from('{"error": "injected"}') };
      }
      return await httpRequest(url, options);
    } finally {
      tracker.inFlight--;
      row.end = performance.now();
    }
  };
  return { request: f, tracker };
}

function configFor(emu: SynapseEmulator) {
  return loadConfig({ SYNAPSE_WORKSPACES: emu.workspaces[0]!.endpoint, SYNAPSE_CONCURRENCY: '8' }, { dryRun: true });
}

test("the first list page's executor texts are requested while the later pages load, within the concurrency, with the same result", async () => {
  const emu = await startSynapseEmulator({ identity, pageSize: 3, latencyMs: 30 });
  try {
    const config = configFor(emu);
    const name = emu.workspaces[0]!.name;
    const rec = recordingRequest();
    const source = createSynapseSource({ credential: createAzureCredential({}), request: rec.request });
    const [result] = await source.collect({ config, log: memoryLogger(), state: new MemoryStateStore(), signal: new AbortController().signal, nowMs: Date.now() });
    assert.equal(result!.up, true);
    const running = rec.tracker.events.filter((e) => e.kind === 'list' && e.skip > 0);
    assert.ok(running.length >= 2, 'the list has later pages');
    const lastPageEnd = Math.max(...running.map((e) => e.end));
    const early = rec.tracker.events.filter((e) => e.kind === 'text' && e.start < lastPageEnd);
    assert.ok(early.length >= 1 && early.length <= 8, `${early.length} texts requested before the last page answered`);
    assert.ok(emu.requests.maxInFlightPerWorkspace[name]! <= 8, `at most SYNAPSE_CONCURRENCY in flight (${emu.requests.maxInFlightPerWorkspace[name]})`);
    assert.equal(rec.tracker.events.filter((e) => e.kind === 'text').length, emu.requests.byKind.prometheus, 'no text read twice');

    // The same applications and series as discovery first, then collection (the fan-out's way, no early texts).
    const collector = createSynapseCollector({ credential: createAzureCredential({}) });
    const ctx = { config, log: memoryLogger(), state: new MemoryStateStore(), signal: new AbortController().signal, nowMs: Date.now() };
    const ws = config.synapse!.workspaces[0]!;
    const found = await collector.discover(ws, ctx);
    const apps = await collector.collectApplications(ws, found.targets!, ctx);
    const keys = (series: readonly { labels: Record<string, string> }[]) => series.map((s) => seriesKey(s.labels)).sort();
    // The fan-out's way hands executors on as groups (one per executor): the same series once expanded.
    assert.ok(apps.groups.length > 0, 'executors come back as groups');
    assert.deepEqual(keys(result!.series), keys([...found.result.series, ...apps.series, ...apps.groups.flatMap((g) => expandGroup(g))]));
  } finally {
    await emu.close();
  }
});

test('when a later list page fails, the early texts are neither parsed nor returned, and none is still in flight', async () => {
  const emu = await startSynapseEmulator({ identity, pageSize: 3, latencyMs: 30 });
  try {
    const config = configFor(emu);
    const rec = recordingRequest((url) => url.pathname.includes('/monitoring/') && Number(url.searchParams.get('skip')) > 0 && (url.searchParams.get('filter') ?? '').includes('inprogress'));
    const source = createSynapseSource({ credential: createAzureCredential({}), request: rec.request });
    const [result] = await source.collect({ config, log: memoryLogger(), state: new MemoryStateStore(), signal: new AbortController().signal, nowMs: Date.now() });
    assert.equal(rec.tracker.inFlight, 0, 'every request finished before collect returned');
    assert.ok(rec.tracker.events.some((e) => e.kind === 'text'), 'texts were requested early');
    assert.equal(result!.up, false);
    assert.match(result!.error ?? '', /500/);
    assert.deepEqual(result!.series.filter((s) => s.labels.application_id !== undefined), [], 'no application series');
  } finally {
    await emu.close();
  }
});
