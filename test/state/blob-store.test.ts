import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import { ContainerClient, StorageSharedKeyCredential } from '@azure/storage-blob';
import { memoryLogger } from '../../lib/log';
import { GuardedStateStore } from '../../lib/state/guarded-store';
import { openStateStore, functionsStateStore } from '../../lib/state/open';
import { forSuite } from '../support/suite';
import { startAzurite } from '../support/azurite';
import { freePort } from '../support/ports';
import type { TokenCredential } from '@azure/identity';

const azurite = forSuite(startAzurite, (a) => a.stop());
const noCredential: TokenCredential = { getToken: async () => { throw new Error('no token in this test'); } };
let containers = 0;
const fresh = () => azurite.containerUrl(`state-${process.pid}-${++containers}`);
const open = (url: string, log = memoryLogger()) => openStateStore(url, { env: {}, credential: noCredential, log });
const rawContainer = (url: string) => {
  const name = url.split('/').pop()!;
  return new ContainerClient(`${azurite.accountUrl}/${name}`, new StorageSharedKeyCredential('devstoreaccount1', azurite.connectionString.match(/AccountKey=([^;]+)/)![1]!));
};

test('an Azurite container URL works with no other setting, and the container is created on the first write', async () => {
  const url = fresh();
  const store = open(url);
  assert.equal(await store.get('series-sets/synapse/ws'), undefined, 'a missing container reads as empty');
  await store.put('series-sets/synapse/ws', { v: 3, gz: 'x' });
  assert.deepEqual(await open(url).get('series-sets/synapse/ws'), { v: 3, gz: 'x' }, 'a new store instance (a new process) reads it back');
  assert.ok(await rawContainer(url).exists());
  const blobs: string[] = [];
  for await (const b of rawContainer(url).listBlobsFlat()) blobs.push(b.name);
  assert.deepEqual(blobs, ['series-sets/synapse/ws.json'], 'one blob per key');
});

test('a lost race is never a silent overwrite: put re-reads and logs, update merges on the newer value', async () => {
  const url = fresh();
  const logA = memoryLogger();
  const a = open(url, logA);
  const b = open(url);
  await a.put('k', 1);
  assert.equal(await a.get('k'), 1);
  assert.equal(await b.get('k'), 1);
  await b.put('k', 2); // b wins the race
  await a.put('k', 3); // a's version is stale: 412, then re-read and written again
  assert.ok(logA.lines.some((l) => l.message.includes('written concurrently')), JSON.stringify(logA.lines));
  assert.equal(await open(url).get('k'), 3);

  // Concurrent increments through two stores (two instances): none is lost.
  const stores = [open(url), open(url), open(url)];
  await Promise.all(Array.from({ length: 24 }, (_, i) => stores[i % 3]!.update('counter', (n) => ({ value: (typeof n === 'number' ? n : 0) + 1, result: undefined }))));
  assert.equal(await open(url).get('counter'), 24);
});

test('a corrupt blob is logged once and reset for that key only', async () => {
  const url = fresh();
  const store = open(url);
  await store.put('good', { ok: true });
  await rawContainer(url).getBlockBlobClient('bad.json').upload('{not json', 9);
  const log = memoryLogger();
  const reader = open(url, log);
  assert.equal(await reader.get('bad'), undefined);
  assert.equal(await reader.get('bad'), undefined);
  assert.equal(log.lines.filter((l) => l.message.includes('unreadable')).length, 1, 'logged once');
  assert.deepEqual(await reader.get('good'), { ok: true }, 'other keys are untouched');
  await reader.put('bad', { fixed: 1 });
  assert.deepEqual(await open(url).get('bad'), { fixed: 1 });
});

test('keys list by prefix; a lease is exclusive until released', async () => {
  const url = fresh();
  const store = open(url);
  await store.put('spool/all/2', 1);
  await store.put('spool/all/1', 1);
  await store.put('spool/other/1', 1);
  assert.deepEqual(await store.list('spool/all/'), ['spool/all/1', 'spool/all/2']);
  const first = await store.lease('leases/run-all', 15_000);
  assert.ok(first);
  assert.equal(await open(url).lease('leases/run-all', 15_000), undefined, 'a second holder is refused');
  await first.release();
  const again = await open(url).lease('leases/run-all', 15_000);
  assert.ok(again, 'free again after release');
  await again.release();
});

test('a store that cannot be reached fails only the state step, with a message naming STATE_STORE and the role', async () => {
  // 403 with Azure's error body, as a storage account answers an identity without a data role.
  const server = createServer((req, res) => {
    res.writeHead(403, { 'content-type': 'application/xml', 'x-ms-error-code': 'AuthorizationPermissionMismatch' });
    res.end('<?xml version="1.0" encoding="utf-8"?><Error><Code>AuthorizationPermissionMismatch</Code><Message>This request is not authorized to perform this operation using this permission.</Message></Error>');
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  const port = (server.address() as { port: number }).port;
  try {
    const url = `http://127.0.0.1:${port}/devstoreaccount1/lakepulse-state`;
    const failures: string[] = [];
    const guarded = new GuardedStateStore(open(url), `STATE_STORE=${url}`, (m) => failures.push(m), `127.0.0.1:${port}`);
    assert.equal(await guarded.get('x'), undefined);
    await guarded.put('x', 1);
    assert.equal(await guarded.get('x'), 1, 'the rest of the cycle runs on memory');
    assert.equal(failures.length, 1, 'reported once');
    assert.match(guarded.failure!, /^STATE_STORE=http:\/\/127\.0\.0\.1:\d+\/devstoreaccount1\/lakepulse-state cannot be used/);
    assert.match(guarded.failure!, /: HTTP 403 from 127\.0\.0\.1:\d+ \(STATE_STORE\): the identity is not allowed; it needs the role "Storage Blob Data Contributor" on the storage account or the container$/);
  } finally {
    server.close();
  }
  const closed = `http://127.0.0.1:${await freePort()}/devstoreaccount1/lakepulse-state`;
  const guarded = new GuardedStateStore(open(closed), `STATE_STORE=${closed}`, () => {}, new URL(closed).host);
  await guarded.list('spool/');
  assert.match(guarded.failure!, /refused/);
  assert.match(guarded.failure!, /STATE_STORE/);
});

test('Functions keep state in their own storage when STATE_STORE is unset; never a temp dir', () => {
  assert.equal(functionsStateStore({ AzureWebJobsStorage__blobServiceUri: 'https://acct.blob.core.windows.net/' }), 'https://acct.blob.core.windows.net/lakepulse-state');
  assert.equal(functionsStateStore({ AzureWebJobsStorage__accountName: 'acct' }), 'https://acct.blob.core.windows.net/lakepulse-state');
  assert.equal(functionsStateStore({ AzureWebJobsStorage: 'UseDevelopmentStorage=true' }), 'http://127.0.0.1:10000/devstoreaccount1/lakepulse-state');
  assert.equal(functionsStateStore({ AzureWebJobsStorage: 'DefaultEndpointsProtocol=https;AccountName=a;AccountKey=k;' }), 'AzureWebJobsStorage:lakepulse-state');
  assert.throws(() => functionsStateStore({}), /STATE_STORE is unset/);
  assert.throws(() => open('https://acct.blob.core.windows.net/c?sv=2020&sig=secret'), (e: Error) => /no SAS/.test(e.message) && !e.message.includes('secret'));
});

test('the AzureWebJobsStorage connection string reaches the lakepulse-state container', async () => {
  const store = openStateStore('AzureWebJobsStorage:lakepulse-state', { env: { AzureWebJobsStorage: azurite.connectionString }, credential: noCredential, log: memoryLogger() });
  await store.put('health/synapse/totals', { cycles: 1 });
  assert.deepEqual(await open(azurite.containerUrl('lakepulse-state')).get('health/synapse/totals'), { cycles: 1 });
});
