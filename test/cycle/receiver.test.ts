import { test } from 'node:test';
import assert from 'node:assert/strict';
import { compress } from 'snappyjs';
import { startLocalReceiver } from '../../lib/emulators/receiver';
import { decodeWriteRequest } from '../../lib/emulators/write-request-decoder';

/** Hand-assembled protobuf, independent of lib/remote-write/encode.ts. */
function bytes(...parts: Array<number[] | Uint8Array>): Uint8Array {
  return Uint8Array.from(parts.flatMap((p) => [...p]));
}
const str = (field: number, s: string) => {
  const b = Buffer.from(s, 'utf8');
  return bytes([(field << 3) | 2, b.length], b);
};
const len = (field: number, body: Uint8Array) => bytes([(field << 3) | 2, body.length], body);

test('the local receiver decodes labels, doubles, millisecond timestamps and exact stale bits', async () => {
  const sample1 = bytes([0x09], new Uint8Array(new Float64Array([1.5]).buffer), [0x10, 0xe8, 0x07]); // ts 1000
  const stale = bytes([0x09], [0x02, 0, 0, 0, 0, 0, 0xf0, 0x7f], [0x10, 0xd0, 0x0f]); // ts 2000
  const nan = bytes([0x09], [0x01, 0, 0, 0, 0, 0, 0xf8, 0x7f], [0x10, 0xb8, 0x17]); // plain NaN, ts 3000
  const ts = len(1, bytes(len(1, bytes(str(1, '__name__'), str(2, 'up'))), len(1, bytes(str(1, 'job'), str(2, 'é'))), len(2, sample1), len(2, stale), len(2, nan)));
  assert.deepEqual(decodeWriteRequest(ts), [
    { labels: { __name__: 'up', job: 'é' }, samples: [{ value: 1.5, timestampMs: 1000 }, { value: 0, timestampMs: 2000, stale: true }, { value: NaN, timestampMs: 3000 }] },
  ]);

  const receiver = await startLocalReceiver();
  try {
    const headers = { 'content-encoding': 'snappy', 'content-type': 'application/x-protobuf', 'x-prometheus-remote-write-version': '0.1.0' };
    const ok = await fetch(receiver.url, { method: 'POST', headers, body: compress(Buffer.from(ts)) });
    assert.equal(ok.status, 204);
    const noHeader = await fetch(receiver.url, { method: 'POST', body: compress(Buffer.from(ts)) });
    assert.equal(noHeader.status, 400);
    const garbage = await fetch(receiver.url, { method: 'POST', headers, body: Buffer.from('not snappy at all') });
    assert.equal(garbage.status, 400);
    assert.equal(receiver.series.length, 1);
    assert.equal(receiver.rejected, 2);
  } finally {
    await receiver.close();
  }
});
