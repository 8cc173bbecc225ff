import { test } from 'node:test';
import assert from 'node:assert/strict';
import { uncompressSync as nativeUncompress } from 'snappy';
import { uncompress as snappyjsUncompress } from 'snappyjs';
import { WriteRequestEncoder } from '../../lib/remote-write/encode';
import { DropCounter, SeriesPreparer } from '../../lib/remote-write/labels';
import type { PreparedPart } from '../../lib/remote-write/prepared-group';
import { compressBlock, type CopyHints } from '../../lib/remote-write/snappy';
import type { SeriesGroup } from '../../lib/series';

/** Both decoders, byte for byte: the native one is the reference implementation's port. */
function assertRoundTrip(body: Uint8Array, raw: Uint8Array, what: string): void {
  assert.deepEqual(Buffer.from(nativeUncompress(Buffer.from(body)) as Buffer), Buffer.from(raw), `${what}: native snappy`);
  assert.deepEqual(Buffer.from(snappyjsUncompress(body)), Buffer.from(raw), `${what}: snappyjs`);
}

function executorGroups(executors: number, metrics: number, seed: number): SeriesGroup[] {
  let x = seed;
  const random = () => ((x = (Math.imul(x, 1103515245) + 12345) >>> 0) / 2 ** 32);
  return Array.from({ length: executors }, (_, e) => ({
    labels: { job: 'synapse-workspace-ws', instance: 'ws.dev.azuresynapse.net', workspace_name: 'ws', spark_pool_name: `pool${e % 3}`, livy_id: String(100 + e), application_id: `application_1764547200000_${e}`, executor_id: String(e % 20), name: `etl-${e}` },
    names: Array.from({ length: metrics }, (_, m) => `spark_executor_metric_${m}_total`),
    // zeros (left out of the encoding), -0, NaN, integers and fractions: every sample layout the encoder writes
    values: Array.from({ length: metrics }, (_, m) => (m % 5 === 0 ? 0 : m % 7 === 0 ? -0 : m % 11 === 0 ? NaN : m % 2 ? Math.floor(random() * 1e6) : random())),
    timestampMs: 1764547200000 + e,
  }));
}

function encodeGroups(groups: readonly SeriesGroup[], encoder = new WriteRequestEncoder()): { raw: Uint8Array; hints: CopyHints } {
  const preparer = new SeriesPreparer(new DropCounter());
  const parts: PreparedPart[] = groups.map((g) => preparer.prepareGroup(g)!);
  const raw = encoder.encode(parts).slice();
  const h = encoder.hints;
  return { raw, hints: { data: h.data.slice(0, 3 * h.count), count: h.count } };
}

test('a body compressed with the encoder\'s copy hints decodes, with both decoders, to exactly the encoded bytes', () => {
  for (const [executors, metrics, seed] of [[1, 1, 1], [1, 41, 2], [60, 41, 3], [400, 41, 4], [7, 300, 5]] as const) {
    const { raw, hints } = encodeGroups(executorGroups(executors, metrics, seed));
    if (executors * metrics > 1) assert.ok(hints.count > 0, 'repeated runs are hinted');
    assertRoundTrip(compressBlock(raw, hints), raw, `${executors} x ${metrics}`);
  }
});

test('hints are in order, inside the body, at most 65535 back, and point at equal bytes', () => {
  const { raw, hints } = encodeGroups(executorGroups(400, 41, 7)); // > 64 KiB: some earlier copies are out of reach
  assert.ok(raw.length > 4 * 65536);
  let end = 0;
  for (let h = 0; h < hints.count; h++) {
    const [at, length, source] = [hints.data[3 * h]!, hints.data[3 * h + 1]!, hints.data[3 * h + 2]!];
    assert.ok(at >= end && length >= 4 && source < at && at - source <= 65535 && at + length <= raw.length, `hint ${h}: ${at} ${length} ${source}`);
    assert.deepEqual(raw.subarray(at, at + length), raw.subarray(source, source + length), `hint ${h} copies equal bytes`);
    end = at + length;
  }
});

test('a hint whose bytes differ from its source would corrupt the body: the round trip catches it (the check can fail)', () => {
  const { raw, hints } = encodeGroups(executorGroups(3, 41, 9));
  const broken: CopyHints = { data: hints.data.slice(), count: hints.count };
  broken.data[2] = broken.data[2]! - 1; // the first hint's source one byte early
  const back = Buffer.from(snappyjsUncompress(compressBlock(raw, broken)));
  assert.notDeepEqual(back, Buffer.from(raw));
});

test('hand-made hints: adjacent copies, a copy at the very end, the longest offset, gaps around the literal threshold', () => {
  const block = new Uint8Array(70_000);
  for (let i = 0; i < block.length; i++) block[i] = (i * 7 + (i >> 9)) & 0xff;
  block.set(block.subarray(0, 300), 65_535); // 300 bytes at offset 65535 equal to those at 0
  block.set(block.subarray(300, 340), 65_835); // adjacent: 40 more right after, 65535 back too
  block.set(block.subarray(4996, 5000), block.length - 4); // the last 4 bytes
  const hints: CopyHints = { data: Int32Array.from([65_535, 300, 0, 65_835, 40, 300, 69_996, 4, 4996]), count: 3 };
  assertRoundTrip(compressBlock(block, hints), block, 'hand-made');
  for (const gap of [0, 1, 14, 15, 16, 31, 32, 33, 100]) {
    const raw = new Uint8Array(64 + gap + 64);
    for (let i = 0; i < 64; i++) raw[i] = i + 1;
    for (let i = 0; i < gap; i++) raw[64 + i] = 200 + (i % 50);
    raw.set(raw.subarray(0, 64), 64 + gap);
    assertRoundTrip(compressBlock(raw, { data: Int32Array.from([64 + gap, 64, 0]), count: 1 }), raw, `gap ${gap}`);
  }
});

test('with hints the body stays within 40 % of the unhinted size (the bytes on the wire are the price of the CPU saved)', () => {
  const encoder = new WriteRequestEncoder();
  const { raw, hints } = encodeGroups(executorGroups(60, 41, 11), encoder);
  const hinted = compressBlock(raw, hints).length;
  const greedy = compressBlock(raw).length;
  assert.ok(hinted < raw.length / 5, `hinted ${hinted} of ${raw.length} raw`);
  assert.ok(hinted <= greedy * 1.4, `hinted ${hinted} vs greedy ${greedy}`);
});
