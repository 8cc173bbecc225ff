import { compress as snappyjsCompress } from 'snappyjs';

/**
 * Snappy BLOCK format (remote write forbids the framed format): the uncompressed length as a varint, then
 * literal/copy elements. No frame header, so a body never starts with the framed magic `ff 06 00 00 73 4e 61 50 50 59`.
 *
 * Implementation choice, measured by bench/encode.bench.ts (`snappy_napi_vs_snappyjs`) at the default batch size
 * (2000 samples ≈ 0.4–0.8 MB raw): pure-JS `snappyjs` compresses ~1.4× faster than the native `snappy` (napi-rs)
 * `compressSync` on Node 20 / 2 vCPU (e.g. 88 ms vs 126 ms for 50 batches, 43.5 MB), because per-call overhead and a
 * copy across the native boundary dominate below ~4 MB. So snappyjs is the default and the native module stays a
 * dev dependency (benchmark only): nothing native to load, nothing to fall back from.
 *
 * Returns a fresh array (never a view of the caller's buffer), so the input buffer may be reused at once.
 */
export function compressBlock(raw: Uint8Array): Uint8Array {
  return snappyjsCompress(raw);
}
