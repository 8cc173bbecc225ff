import { compress as snappyjsCompress } from 'snappyjs';

/**
 * Snappy BLOCK format compression (remote write forbids the framed format): the uncompressed length as a varint,
 * then literal and copy elements. No stream header, so a body never starts with the framed magic
 * `ff 06 00 00 73 4e 61 50 50 59`. Any Snappy decoder reads it (tests decode with snappyjs and the native `snappy`).
 *
 * Choice of implementation, measured by bench/encode.bench.ts at the default batch size (2000 realistic samples,
 * ~0.87 MB raw; Node 20, 2 vCPU):
 * - the native `snappy` (napi-rs) `compressSync` is ~1.3× SLOWER than pure-JS `snappyjs` there (call overhead and
 *   copies across the native boundary dominate below ~4 MB), so it stays a dev dependency, used by the bench only;
 * - `compressBlock` below is our own greedy compressor, the default: same element choices as the reference
 *   (4-byte hash, skip heuristic), but reading 4 bytes at a time through a DataView, hashing with Math.imul, extending
 *   matches a word at a time and using one 64 KiB window across the whole input instead of resetting per block.
 *   It is ~1.5–2× faster than snappyjs on remote-write bodies, with a similar ratio.
 * `compressBlockSnappyjs` stays available (and is what the bench compares against).
 */

const HASH_BITS = 14;
const HASH_SHIFT = 32 - HASH_BITS;
const MAX_OFFSET = 0xffff; // two-byte copy offsets
/** Inputs shorter than this are one literal; it also keeps every 4-byte read of the match finder in bounds. */
const INPUT_MARGIN = 15;

const table = new Int32Array(1 << HASH_BITS);
let scratch = new Uint8Array(1 << 16);

/**
 * Copies the caller already knows of (the encoder: a label run or name field it has just written again, and where the
 * same bytes were written before): `count` triples (offset, length, source) in `data`, in increasing offset order,
 * not overlapping, each with source < offset, offset - source <= 65535 and length >= 4. Valid for one input.
 */
export interface CopyHints {
  data: Int32Array;
  count: number;
}

/**
 * Snappy block compression of `input`. With `hints`, the hinted ranges become copies without being searched for (the
 * bytes the encoder repeats: most of a remote-write body), and only the bytes between them go through the match
 * finder (short gaps as literals), so the work is about the unrepeated bytes, not the body.
 */
export function compressBlock(input: Uint8Array, hints?: CopyHints): Uint8Array {
  if (hints === undefined || hints.count === 0) return compressGreedy(input);
  const n = input.length;
  const out = scratchFor(n);
  let op = putLength(out, n);
  table.fill(-1);
  const view = new DataView(input.buffer, input.byteOffset, n);
  const data = hints.data;
  let pos = 0;
  for (let h = 0; h < hints.count; h++) {
    const at = data[3 * h]!;
    const length = data[3 * h + 1]!;
    const source = data[3 * h + 2]!;
    if (at > pos) op = compressRange(input, view, pos, at, out, op);
    op = emitCopy(out, op, at - source, length);
    pos = at + length;
  }
  if (n > pos) op = compressRange(input, view, pos, n, out, op);
  return out.slice(0, op);
}

/** Gaps shorter than this between hinted copies are written as literals (the match finder would not pay). */
const GAP_LITERAL_BELOW = 32;

/**
 * [from, to) through the match finder: matches may start anywhere before and must end by `to`; the table keeps
 * positions of earlier ranges (the same shared table as compressGreedy, filled by the caller).
 */
function compressRange(input: Uint8Array, view: DataView, from: number, to: number, out: Uint8Array, op: number): number {
  if (to - from < GAP_LITERAL_BELOW) return emitLiteral(input, from, to, out, op);
  const ipLimit = to - INPUT_MARGIN;
  let ip = from;
  let nextEmit = from;
  outer: for (;;) {
    let skip = 32;
    let candidate: number;
    for (;;) {
      if (ip > ipLimit) break outer;
      const word = view.getUint32(ip, true);
      const h = Math.imul(word, 0x1e35a7bd) >>> HASH_SHIFT;
      candidate = table[h]!;
      table[h] = ip;
      if (candidate >= 0 && ip - candidate <= MAX_OFFSET && view.getUint32(candidate, true) === word) break;
      ip += skip++ >>> 5;
    }
    op = emitLiteral(input, nextEmit, ip, out, op);
    for (;;) {
      let matched = 4;
      while (ip + matched + 4 <= to && view.getUint32(ip + matched, true) === view.getUint32(candidate + matched, true)) matched += 4;
      while (ip + matched < to && input[ip + matched] === input[candidate + matched]) matched++;
      op = emitCopy(out, op, ip - candidate, matched);
      ip += matched;
      nextEmit = ip;
      if (ip >= ipLimit) break outer;
      table[Math.imul(view.getUint32(ip - 1, true), 0x1e35a7bd) >>> HASH_SHIFT] = ip - 1;
      const word = view.getUint32(ip, true);
      const h = Math.imul(word, 0x1e35a7bd) >>> HASH_SHIFT;
      candidate = table[h]!;
      table[h] = ip;
      if (!(candidate >= 0 && ip - candidate <= MAX_OFFSET && view.getUint32(candidate, true) === word)) break;
    }
    ip++;
  }
  return emitLiteral(input, nextEmit, to, out, op);
}

function scratchFor(n: number): Uint8Array {
  const bound = 32 + n + Math.floor(n / 6);
  if (scratch.length < bound) scratch = new Uint8Array(Math.max(bound, scratch.length * 2));
  return scratch;
}

/** The uncompressed length (< 2^32) as a varint: the block's preamble. */
function putLength(out: Uint8Array, n: number): number {
  let op = 0;
  for (let v = n; ; ) {
    if (v < 0x80) {
      out[op++] = v;
      return op;
    }
    out[op++] = (v & 0x7f) | 0x80;
    v >>>= 7;
  }
}

function compressGreedy(input: Uint8Array): Uint8Array {
  const n = input.length;
  const out = scratchFor(n);
  let op = putLength(out, n);
  table.fill(-1);
  op = compressRange(input, new DataView(input.buffer, input.byteOffset, n), 0, n, out, op);
  return out.slice(0, op);
}

/** The pure-JS library, kept for comparison (bench) and as a second opinion in tests. */
export function compressBlockSnappyjs(input: Uint8Array): Uint8Array {
  return snappyjsCompress(input);
}

function emitLiteral(input: Uint8Array, from: number, to: number, out: Uint8Array, op: number): number {
  const len = to - from;
  if (len <= 0) return op;
  const l = len - 1;
  if (l < 60) out[op++] = l << 2;
  else if (l < 0x100) {
    out[op++] = 60 << 2;
    out[op++] = l;
  } else if (l < 0x10000) {
    out[op++] = 61 << 2;
    out[op++] = l & 0xff;
    out[op++] = l >>> 8;
  } else if (l < 0x1000000) {
    out[op++] = 62 << 2;
    out[op++] = l & 0xff;
    out[op++] = (l >>> 8) & 0xff;
    out[op++] = l >>> 16;
  } else {
    out[op++] = 63 << 2;
    out[op++] = l & 0xff;
    out[op++] = (l >>> 8) & 0xff;
    out[op++] = (l >>> 16) & 0xff;
    out[op++] = l >>> 24;
  }
  if (len > 32) out.set(input.subarray(from, to), op);
  else for (let i = 0; i < len; i++) out[op + i] = input[from + i]!;
  return op + len;
}

/** A copy of `len` (>= 4) bytes from `offset` (1..65535) back, as elements of at most 64 bytes. */
function emitCopy(out: Uint8Array, op: number, offset: number, len: number): number {
  while (len >= 68) {
    op = emitCopyUpTo64(out, op, offset, 64);
    len -= 64;
  }
  if (len > 64) {
    // Leave at least 4 for the last element.
    op = emitCopyUpTo64(out, op, offset, 60);
    len -= 60;
  }
  return emitCopyUpTo64(out, op, offset, len);
}

function emitCopyUpTo64(out: Uint8Array, op: number, offset: number, len: number): number {
  if (len < 12 && offset < 2048) {
    // Copy with a 1-byte offset: 3 bits of length - 4, 3 high bits of offset.
    out[op++] = 1 | ((len - 4) << 2) | ((offset >>> 8) << 5);
    out[op++] = offset & 0xff;
    return op;
  }
  // Copy with a 2-byte offset: 6 bits of length - 1.
  out[op++] = 2 | ((len - 1) << 2);
  out[op++] = offset & 0xff;
  out[op++] = offset >>> 8;
  return op;
}
