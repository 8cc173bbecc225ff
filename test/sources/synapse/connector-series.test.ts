import { test } from 'node:test';
import assert from 'node:assert/strict';
import { loadConfig } from '../../../lib/config';
import { createAzureCredential } from '../../../lib/azure/credential';
import { identityForSuite } from '../../support/identity';
import { startSynapseEmulator } from '../../../lib/emulators/synapse';
import { memoryLogger } from '../../../lib/log';
import type { Series } from '../../../lib/series';
import { createSynapseSource } from '../../../lib/sources/synapse';
import { MemoryStateStore } from '../../../lib/state/store';

const identity = identityForSuite();

const named = (series: Series[], name: string) => series.filter((s) => s.labels.__name__ === name);

test('a pool whose applications all ended reports 0 targets; one token serves every request of several cycles', async () => {
  const emu = await startSynapseEmulator({ identity });
  try {
    const config = loadConfig({ SYNAPSE_WORKSPACES: emu.env.SYNAPSE_WORKSPACES }, { dryRun: true });
    const source = createSynapseSource({ credential: createAzureCredential({}) });
    const state = new MemoryStateStore();
    const cycle = async () => (await source.collect({ config, log: memoryLogger(), state, signal: new AbortController().signal, nowMs: Date.now() })).find((r) => r.target === 'contoso')!;
    const issuedBefore = identity.issued.length;

    const first = await cycle();
    const running = emu.data.workspaces.find((w) => w.name === 'contoso')!.apps.filter((a) => a.state === 'InProgress' && a.appId !== null && !a.pool.startsWith('systemreservedpool-'));
    const perPool = new Map<string, number>();
    for (const a of running) perPool.set(a.pool, (perPool.get(a.pool) ?? 0) + 1);
    const targets = (r: typeof first) => new Map(named(r.series, 'synapse_connector_application_discovery_target').map((s) => [s.labels.spark_pool_name!, s.samples[0]!.value]));
    assert.deepEqual(targets(first), perPool);

    // The connector's application series, from the monitoring list's own fields.
    for (const a of running) {
      const submit = named(first.series, 'synapse_connector_application_submit_time').find((s) => s.labels.application_id === a.appId);
      assert.equal(submit?.samples[0]!.value, Math.floor(a.submitTimeMs / 1000), `${a.appId} submit time (the list has whole seconds)`);
      const info = named(first.series, 'synapse_connector_application_info').find((s) => s.labels.application_id === a.appId)!;
      assert.deepEqual({ ...info.labels, __name__: undefined }, {
        __name__: undefined, job: 'synapse-workspace-contoso', instance: new URL(emu.workspaces.find((w) => w.name === 'contoso')!.endpoint).host,
        workspace_name: 'contoso', spark_pool_name: a.pool, livy_id: a.livyId, application_id: a.appId!, name: a.name,
      });
    }

    const [pool] = perPool.keys();
    for (const a of running.filter((x) => x.pool === pool)) emu.endApplication('contoso', a.appId!, 'Succeeded');
    const second = await cycle();
    const expected = new Map(perPool);
    expected.set(pool!, 0);
    assert.deepEqual(targets(second), expected, 'the emptied pool drops to 0 instead of keeping its last value');
    const third = await cycle();
    assert.equal(targets(third).has(pool!), false, 'and is no longer reported once it was reported at 0');

    assert.equal(identity.issued.length - issuedBefore, 1, 'one Synapse token, cached in memory, for three cycles');
    assert.equal(identity.issued.at(-1)!.resource, 'https://dev.azuresynapse.net');
  } finally {
    await emu.close();
  }
});
