import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createAzureCredential } from '../../../lib/azure/credential';
import { loadConfig } from '../../../lib/config';
import { makeExecutor, prng, startSynapseEmulator, type SynapseEmulator } from '../../../lib/emulators/synapse';
import { silentLogger } from '../../../lib/log';
import type { Series } from '../../../lib/series';
import { createSynapseSource } from '../../../lib/sources/synapse';
import { MemoryStateStore, type StateStore } from '../../../lib/state/store';
import { identityForSuite } from '../../support/identity';

const identity = identityForSuite();

/** A fresh source each time: a new process, as every `run --once` and every cold start is. */
async function collectInNewProcess(emu: SynapseEmulator, state: StateStore, nowMs: number) {
  const config = loadConfig({ SYNAPSE_WORKSPACES: emu.env.SYNAPSE_WORKSPACES }, { dryRun: true });
  const source = createSynapseSource({ credential: createAzureCredential({}) });
  const before = emu.requests.byKind.executors ?? 0;
  const results = await source.collect({ config, log: silentLogger, state, signal: new AbortController().signal, nowMs });
  return { results, jsonReads: (emu.requests.byKind.executors ?? 0) - before };
}

const addTimes = (series: readonly Series[]) =>
  new Map(series.filter((s) => s.labels.__name__ === 'spark_executor_addTime_seconds').map((s) => [`${s.labels.application_id}/${s.labels.executor_id}`, s.samples[0]!.value]));

test("a new process reads /executors only for executors whose add time the state store does not hold", async () => {
  const emu = await startSynapseEmulator({ identity });
  try {
    const state = new MemoryStateStore();
    const t = Date.now();
    const first = await collectInNewProcess(emu, state, t);
    const apps = first.results.reduce((n, r) => n + r.series.filter((s) => s.labels.__name__ === 'up' && s.samples[0]!.value === 1).length, 0);
    assert.ok(apps > 0);
    assert.equal(first.jsonReads, apps, 'the first run learns every application add times');
    const known = new Map(first.results.flatMap((r) => [...addTimes(r.series)]));

    const second = await collectInNewProcess(emu, state, t + 60_000);
    assert.equal(second.jsonReads, 0, 'add times come from the state store');
    assert.deepEqual(new Map(second.results.flatMap((r) => [...addTimes(r.series)])), known, 'and are the same');

    // An executor joins one application: only that application's JSON is read again.
    const app = emu.data.workspaces[0]!.apps.find((a) => a.state === 'InProgress' && a.appId && !a.pool.startsWith('system'))!;
    app.executors.push(makeExecutor('77', t - 5_000, prng(7)));
    const third = await collectInNewProcess(emu, state, t + 120_000);
    assert.equal(third.jsonReads, 1);
    const added = addTimes(third.results[0]!.series).get(`${app.appId}/${app.executors.at(-1)!.id}`);
    assert.equal(added, app.executors.at(-1)!.addTimeMs / 1000);
  } finally {
    await emu.close();
  }
});
