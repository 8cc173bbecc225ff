import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import { uncompress } from 'snappyjs';
import { loadConfig } from '../../lib/config';
import { decodeWriteRequest } from '../../lib/emulators/write-request-decoder';
import { silentLogger } from '../../lib/log';
import { createRemoteWriter } from '../../lib/remote-write';
import type { Series } from '../../lib/series';
import { StreamingPush } from '../../lib/stream/streaming-push';

/** A remote-write receiver on loopback that answers each request after `delayMs` and records what it got, and when. */
async function slowReceiver(delayMs: number) {
  const requests: Array<{ names: string[]; arrived: number; answered: number }> = [];
  let inFlight = 0;
  let maxInFlight = 0;
  const server = createServer((req: IncomingMessage, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const row = { names: decodeWriteRequest(uncompress(Buffer.concat(chunks))).map((s) => s.labels.__name__!), arrived: performance.now(), answered: 0 };
      requests.push(row);
      maxInFlight = Math.max(maxInFlight, ++inFlight);
      setTimeout(() => {
        inFlight--;
        row.answered = performance.now();
        res.writeHead(204).end();
      }, delayMs);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/api/v1/write`,
    requests,
    maxInFlight: () => maxInFlight,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

const series = (prefix: string, n: number, ts: number): Series[] =>
  Array.from({ length: n }, (_, i) => ({ labels: { __name__: `${prefix}_${i}`, job: 'stream-test', instance: `i${i % 7}` }, samples: [{ value: i, timestampMs: ts }] }));

test('writes overlap (a receiver round trip is not paid once per write), but re-sent samples are all answered before a later write starts', async () => {
  const receiver = await slowReceiver(40);
  try {
    const config = loadConfig({ REMOTE_WRITE_URL: receiver.url, LAKEPULSE_INSTANCE: 'stream-test' });
    const writer = createRemoteWriter(config.remoteWrite!, { log: silentLogger, lanes: 4 });
    const push = new StreamingPush(writer, 200, 1, 3);
    const now = Date.now();
    await push.pushAlone(series('resent', 500, now - 60_000)); // more than one write's worth: some of it goes in ordinary writes
    for (let part = 0; part < 12; part++) await push.push(series(`new${part}`, 200, now));
    const outcome = await push.close([]);

    assert.equal(outcome.samplesSent, 500 + 12 * 200, 'every sample accounted as sent');
    assert.equal(outcome.samplesFailed, 0);
    const got = receiver.requests.flatMap((r) => r.names);
    assert.equal(new Set(got).size, got.length, 'no series twice');
    assert.equal(got.length, 500 + 12 * 200);

    const resent = receiver.requests.filter((r) => r.names.some((n) => n.startsWith('resent_')));
    const later = receiver.requests.filter((r) => r.names.some((n) => n.startsWith('new')));
    assert.ok(resent.every((r) => r.names.every((n) => n.startsWith('resent_'))), 're-sent samples are written on their own');
    const lastResentAnswer = Math.max(...resent.map((r) => r.answered));
    const firstLaterArrival = Math.min(...later.map((r) => r.arrived));
    assert.ok(lastResentAnswer <= firstLaterArrival, `re-sent answered by ${lastResentAnswer.toFixed(1)} ms, a later write arrived at ${firstLaterArrival.toFixed(1)} ms`);

    // One write with 4 lanes has at most 4 requests in flight; more means writes overlapped; at most 3 writes run at once.
    assert.ok(receiver.maxInFlight() > 4, `max ${receiver.maxInFlight()} requests in flight`);
    assert.ok(receiver.maxInFlight() <= 12, `max ${receiver.maxInFlight()} requests in flight`);
  } finally {
    await receiver.close();
  }
});

test('with one write at a time (concurrentWrites 1) the receiver never sees more than one write\'s lanes at once', async () => {
  const receiver = await slowReceiver(10);
  try {
    const config = loadConfig({ REMOTE_WRITE_URL: receiver.url, LAKEPULSE_INSTANCE: 'stream-test' });
    const push = new StreamingPush(createRemoteWriter(config.remoteWrite!, { log: silentLogger, lanes: 4 }), 200, 1, 1);
    for (let part = 0; part < 6; part++) await push.push(series(`p${part}`, 200, Date.now()));
    const outcome = await push.close([]);
    assert.equal(outcome.samplesSent, 1200);
    assert.ok(receiver.maxInFlight() <= 4, `max ${receiver.maxInFlight()} requests in flight`);
  } finally {
    await receiver.close();
  }
});
