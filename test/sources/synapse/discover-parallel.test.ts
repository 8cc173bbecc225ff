import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createAzureCredential, cachedTokenSource } from '../../../lib/azure/credential';
import { loadConfig } from '../../../lib/config';
import { startSynapseEmulator } from '../../../lib/emulators/synapse';
import { SYNAPSE_SCOPE } from '../../../lib/sources/synapse';
import { listSparkJobs, RUNNING_FILTER } from '../../../lib/sources/synapse/discover';
import { Limiter } from '../../../lib/sources/synapse/limiter';
import { identityForSuite } from '../../support/identity';

const identity = identityForSuite();

test('with a limiter, the pages after the first are read at once, within its bound, and list the same applications', async () => {
  const emu = await startSynapseEmulator({ identity, pageSize: 2, latencyMs: 30 });
  try {
    const config = loadConfig({ SYNAPSE_WORKSPACES: emu.workspaces[1]!.endpoint }, { dryRun: true }).synapse!;
    const http = { tokens: cachedTokenSource(createAzureCredential({}), SYNAPSE_SCOPE), timeoutMs: 5000, signal: new AbortController().signal };
    const ws = config.workspaces[0]!;
    const name = emu.workspaces[1]!.name;
    const listed = (r: Awaited<ReturnType<typeof listSparkJobs>>) => r.jobs.map((j) => `${j.pool}/${j.livyId}`).sort();

    const sequential = await listSparkJobs(ws, RUNNING_FILTER, config, http);
    const pages = emu.requests.byKind.list!;
    assert.ok(pages >= 4, `the list needs several pages (${pages})`);
    assert.equal(emu.requests.maxInFlightPerWorkspace[name], 1);

    const parallel = await listSparkJobs(ws, RUNNING_FILTER, config, http, new Limiter(3));
    assert.deepEqual(listed(parallel), listed(sequential));
    assert.equal(parallel.truncated, false);
    assert.equal(emu.requests.byKind.list! - pages, pages, 'the same pages, no more');
    assert.equal(emu.requests.maxInFlightPerWorkspace[name], 3, 'pages in parallel, never more than the limiter allows');
  } finally {
    await emu.close();
  }
});
