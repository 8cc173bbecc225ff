import type { Series } from '../series';

/**
 * Decodes a Prometheus remote-write 1.0 WriteRequest (uncompressed protobuf) for the local receiver that
 * `npm start` and `lakepulse emulate` run. Stale markers are recognised by their exact bits.
 */
export function decodeWriteRequest(buf: Uint8Array): Series[] {
  const view = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  const out: Series[] = [];
  let pos = 0;
  const varint = (): number => {
    let result = 0;
    let shift = 1;
    for (;;) {
      if (pos >= buf.length) throw new Error('truncated varint');
      const b = buf[pos++]!;
      result += (b & 0x7f) * shift;
      if (b < 0x80) return result;
      shift *= 128;
      if (shift > 2 ** 63) throw new Error('varint too long');
    }
  };
  const skip = (wire: number): void => {
    if (wire === 0) varint();
    else if (wire === 1) pos += 8;
    else if (wire === 2) pos += varint();
    else if (wire === 5) pos += 4;
    else throw new Error(`unsupported wire type ${wire}`);
  };
  const utf8 = new TextDecoder('utf-8', { fatal: true });
  while (pos < buf.length) {
    const tag = varint();
    if (tag !== ((1 << 3) | 2)) {
      skip(tag & 7);
      continue;
    }
    const end = pos + varint();
    const series: Series = { labels: {}, samples: [] };
    while (pos < end) {
      const t = varint();
      const len = (t & 7) === 2 ? varint() : 0;
      const stop = pos + len;
      if (t === ((1 << 3) | 2)) {
        let name = '';
        let value = '';
        while (pos < stop) {
          const lt = varint();
          const l = varint();
          const s = utf8.decode(buf.subarray(pos, pos + l));
          pos += l;
          if (lt === ((1 << 3) | 2)) name = s;
          else if (lt === ((2 << 3) | 2)) value = s;
        }
        series.labels[name] = value;
      } else if (t === ((2 << 3) | 2)) {
        let value = 0;
        let stale = false;
        let timestampMs = 0;
        while (pos < stop) {
          const st = varint();
          if (st === ((1 << 3) | 1)) {
            stale = view.getUint32(pos, true) === 0x00000002 && view.getUint32(pos + 4, true) === 0x7ff00000;
            value = view.getFloat64(pos, true);
            pos += 8;
          } else if (st === ((2 << 3) | 0)) {
            timestampMs = varint();
          } else skip(st & 7);
        }
        series.samples.push(stale ? { value: 0, timestampMs, stale } : { value, timestampMs });
      } else {
        if ((t & 7) !== 2) skip(t & 7);
        pos = stop > pos ? stop : pos;
      }
    }
    out.push(series);
  }
  return out;
}
