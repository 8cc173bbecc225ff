import { compressSync } from 'snappy';
import { compress as snappyjsCompress } from 'snappyjs';
import { batches } from '../lib/remote-write/batch';
import { WriteRequestEncoder } from '../lib/remote-write/encode';
import { DropCounter, prepareEach, type PreparedSeries } from '../lib/remote-write/labels';
import { compressBlock, compressBlockSnappyjs } from '../lib/remote-write/snappy';
import { realisticSeries } from './fixtures';
import { gc, medianMs, report } from './timing';

/**
 * Encoding benchmarks, baselines measured in the same run (medians after warm-up):
 * - encode_vs_prometheus_remote_write: hygiene + encode + compress of 100k realistic series in 2000-sample batches,
 *   vs the npm `prometheus-remote-write` package doing what its pushTimeseries does before the HTTP call
 *   (labels object → {name,value} list, `serialize` = verify + protobufjs encode) plus snappyjs `compress`.
 * - encode_vs_floor: our encode + compress (from prepared series) over compressing the same raw bytes alone.
 * - snappy_napi_vs_snappyjs: native `snappy` compressSync over snappyjs compress on the same 2000-sample batches
 *   (plus a detail line for our own compressBlock, the default, against snappyjs).
 */

// The baseline package is a dev dependency used only here.
// eslint-disable-next-line @typescript-eslint/no-require-imports
const prw = require('prometheus-remote-write') as { serialize(payload: unknown): Promise<Uint8Array> };

const SERIES = 100_000;
const BATCH = 2000;
const LIMITS = { maxSamplesPerRequest: BATCH, maxBytesPerRequest: 10_000_000 };

async function main(): Promise<void> {
  const data = realisticSeries(SERIES, Date.now());
  const encoder = new WriteRequestEncoder();

  const ours = () => {
    const drops = new DropCounter();
    let bytes = 0;
    for (const b of batches(prepareEach(data, drops), LIMITS, drops, [], encoder)) bytes += b.body.length;
    return bytes;
  };
  const baseline = async () => {
    let bytes = 0;
    for (let i = 0; i < data.length; i += BATCH) {
      const payload = {
        timeseries: data.slice(i, i + BATCH).map((s) => ({
          labels: Object.entries(s.labels).map(([name, value]) => ({ name, value })),
          samples: s.samples.map((x) => ({ value: x.value, timestamp: x.timestampMs })),
        })),
      };
      bytes += snappyjsCompress(Buffer.from(await prw.serialize(payload))).length;
    }
    return bytes;
  };

  const prepared: PreparedSeries[] = [...prepareEach(data, new DropCounter())];
  const chunks: PreparedSeries[][] = [];
  for (let i = 0; i < prepared.length; i += BATCH) chunks.push(prepared.slice(i, i + BATCH));
  const raws = chunks.map((c) => Uint8Array.from(encoder.encode(c)));
  const rawMb = raws.reduce((n, r) => n + r.length, 0) / 1e6;

  const hygieneOnly = () => {
    let n = 0;
    for (const s of prepareEach(data, new DropCounter())) n += s.samples.length;
    return n;
  };
  const encodeOnly = () => chunks.reduce((n, c) => n + encoder.encode(c).length, 0);
  const encodeAndCompress = () => chunks.reduce((n, c) => n + compressBlock(encoder.encode(c)).length, 0);
  const encodeAndSnappyjs = () => chunks.reduce((n, c) => n + compressBlockSnappyjs(encoder.encode(c)).length, 0);
  const floor = () => raws.reduce((n, r) => n + compressBlock(r).length, 0);
  const napi = () => raws.reduce((n, r) => n + compressSync(r).length, 0);
  const snappyjs = () => raws.reduce((n, r) => n + compressBlockSnappyjs(r).length, 0);

  // Interleave the rounds so drift on a shared machine hits both sides alike.
  const rounds = 5;
  const t: Record<string, number[]> = {};
  const cases: Array<[string, () => unknown]> = [
    ['ours', ours],
    ['baseline', baseline],
    ['hygiene', hygieneOnly],
    ['encode', encodeOnly],
    ['encodeCompress', encodeAndCompress],
    ['encodeSnappyjs', encodeAndSnappyjs],
    ['floor', floor],
    ['napi', napi],
    ['snappyjs', snappyjs],
  ];
  for (let r = 0; r < rounds; r++) {
    for (const [name, fn] of cases) {
      gc();
      (t[name] ??= []).push(await medianMs(fn, 3, r === 0 ? 2 : 1));
    }
  }
  const med = (name: string) => {
    const xs = [...t[name]!].sort((a, b) => a - b);
    return xs[Math.floor(xs.length / 2)]!;
  };

  report(
    'encode_vs_prometheus_remote_write',
    med('baseline') / med('ours'),
    'x',
    `ours (hygiene ${med('hygiene').toFixed(1)} + encode ${med('encode').toFixed(1)} + compress) ${med('ours').toFixed(1)} ms vs prometheus-remote-write serialize + snappyjs ${med('baseline').toFixed(1)} ms; ${SERIES} series, ${BATCH}-sample batches, ${rawMb.toFixed(1)} MB raw; goal >= 5`,
  );
  report('encode_vs_floor', med('encodeCompress') / med('floor'), 'x', `encode + compress ${med('encodeCompress').toFixed(1)} ms over compress alone ${med('floor').toFixed(1)} ms (same raw bytes, our compressBlock); goal <= 2.5`);
  const ourSize = raws.reduce((n, r) => n + compressBlock(r).length, 0);
  const jsSize = raws.reduce((n, r) => n + compressBlockSnappyjs(r).length, 0);
  process.stdout.write(`# with snappyjs as the compressor instead: encode + compress ${med('encodeSnappyjs').toFixed(1)} ms over snappyjs alone ${med('snappyjs').toFixed(1)} ms = ${(med('encodeSnappyjs') / med('snappyjs')).toFixed(2)}x\n`);
  process.stdout.write(`# compressBlock ${med('floor').toFixed(1)} ms (${(ourSize / 1e6).toFixed(2)} MB out) vs snappyjs ${med('snappyjs').toFixed(1)} ms (${(jsSize / 1e6).toFixed(2)} MB out): ${(med('snappyjs') / med('floor')).toFixed(2)}x faster\n`);
  report(
    'snappy_napi_vs_snappyjs',
    med('napi') / med('snappyjs'),
    'x',
    `napi snappy compressSync ${med('napi').toFixed(1)} ms vs snappyjs ${med('snappyjs').toFixed(1)} ms for ${raws.length} batches of ${BATCH} samples (~${((rawMb * 1000) / raws.length).toFixed(0)} KB raw each); > 1 means snappyjs is faster`,
  );
}

main().catch((err: unknown) => {
  process.stderr.write(`${err instanceof Error ? err.stack : String(err)}\n`);
  process.exitCode = 1;
});
