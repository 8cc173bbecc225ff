import * as protobuf from 'protobufjs';
import { uncompress } from 'snappyjs';

/**
 * An independent encoding of the official remote-write 1.0 schema (prompb/remote.proto, types.proto) through
 * protobufjs reflection, for checking lib/remote-write byte for byte and decoding what receivers get.
 */
const root = protobuf.parse(`
syntax = "proto3";
package prometheus;
message WriteRequest { repeated TimeSeries timeseries = 1; reserved 2; repeated MetricMetadata metadata = 3; }
message MetricMetadata {
  enum MetricType { UNKNOWN = 0; COUNTER = 1; GAUGE = 2; HISTOGRAM = 3; GAUGEHISTOGRAM = 4; SUMMARY = 5; INFO = 6; STATESET = 7; }
  MetricType type = 1; string metric_family_name = 2; string help = 4; string unit = 5;
}
message Sample { double value = 1; int64 timestamp = 2; }
message Label { string name = 1; string value = 2; }
message TimeSeries { repeated Label labels = 1; repeated Sample samples = 2; }
`).root;

export const WriteRequestType = root.lookupType('prometheus.WriteRequest');

export interface DecodedSample {
  value: number;
  timestampMs: number;
  stale: boolean;
  /** The 8 value bytes as 16 hex digits, big-endian (e.g. 7ff0000000000002). */
  valueBits: string;
}
export interface DecodedSeries {
  labels: Array<{ name: string; value: string }>;
  samples: DecodedSample[];
}
export interface DecodedRequest {
  timeseries: DecodedSeries[];
  metadata: Array<{ type: number; metricFamilyName: string; help: string; unit: string }>;
}

export function decodeWriteRequestBody(compressed: Uint8Array): DecodedRequest {
  return decodeWriteRequest(uncompress(Buffer.from(compressed)));
}

export function decodeWriteRequest(raw: Uint8Array): DecodedRequest {
  const message = WriteRequestType.decode(raw) as unknown as {
    timeseries?: Array<{ labels?: Array<{ name?: string; value?: string }>; samples?: Array<{ value?: number; timestamp?: protobuf.Long | number }> }>;
    metadata?: Array<{ type?: number; metricFamilyName?: string; help?: string; unit?: string }>;
  };
  // protobufjs reads doubles through a JS number, which may quiet a signalling NaN: take the bits from the raw bytes.
  const bits = rawSampleValueBits(raw);
  let k = 0;
  return {
    timeseries: (message.timeseries ?? []).map((ts) => ({
      labels: (ts.labels ?? []).map((l) => ({ name: l.name ?? '', value: l.value ?? '' })),
      samples: (ts.samples ?? []).map((s) => {
        const valueBits = bits[k++] ?? '0000000000000000';
        const timestamp = s.timestamp ?? 0;
        return { value: s.value ?? 0, timestampMs: typeof timestamp === 'number' ? timestamp : Number(timestamp.toString()), stale: valueBits === '7ff0000000000002', valueBits };
      }),
    })),
    metadata: (message.metadata ?? []).map((m) => ({ type: m.type ?? 0, metricFamilyName: m.metricFamilyName ?? '', help: m.help ?? '', unit: m.unit ?? '' })),
  };
}

/** Walks the raw message with protobufjs' Reader and returns each Sample's value bits, in order. */
function rawSampleValueBits(raw: Uint8Array): string[] {
  const out: string[] = [];
  const r = protobuf.Reader.create(raw);
  while (r.pos < r.len) {
    const tag = r.uint32();
    if (tag >>> 3 !== 1 || (tag & 7) !== 2) {
      r.skipType(tag & 7);
      continue;
    }
    const end = r.uint32() + r.pos;
    while (r.pos < end) {
      const t = r.uint32();
      if (t >>> 3 !== 2 || (t & 7) !== 2) {
        r.skipType(t & 7);
        continue;
      }
      const sEnd = r.uint32() + r.pos;
      let bits = '0000000000000000';
      while (r.pos < sEnd) {
        const st = r.uint32();
        if (st === ((1 << 3) | 1)) {
          bits = Buffer.from(raw.subarray(r.pos, r.pos + 8)).reverse().toString('hex');
          r.skip(8);
        } else r.skipType(st & 7);
      }
      out.push(bits);
    }
  }
  return out;
}

/** The stale marker's value bytes (little-endian 0x7ff0000000000002). */
const STALE_BYTES = [0x02, 0, 0, 0, 0, 0, 0xf0, 0x7f];
/** A double no test uses; protobufjs writes it for a stale sample, then its 8 bytes are replaced by STALE_BYTES. */
const STALE_STAND_IN = 1.2345678901234567e-300;

export interface LogicalWriteRequest {
  timeseries: Array<{ labels: Array<{ name: string; value: string }>; samples: Array<{ value: number; timestampMs: number; stale?: boolean }> }>;
  metadata?: Array<{ type: number; metricFamilyName: string; help?: string; unit?: string }>;
}

/**
 * Encodes the same logical request with protobufjs, leaving out proto3 defaults (+0 values, 0 timestamps) as
 * canonical encoders do. protobufjs writes doubles from JS numbers, which cannot hold the stale NaN's bits, so a stale
 * sample is written with a stand-in value whose bytes are then replaced by the exact stale bytes.
 */
export function encodeWithProtobufjs(request: LogicalWriteRequest): Uint8Array {
  const message = {
    timeseries: request.timeseries.map((ts) => ({
      labels: ts.labels,
      samples: ts.samples.map((s) => {
        const o: { value?: number; timestamp?: number } = {};
        if (s.stale) o.value = STALE_STAND_IN;
        else if (!(s.value === 0 && 1 / s.value > 0)) o.value = s.value;
        if (s.timestampMs !== 0) o.timestamp = s.timestampMs;
        return o;
      }),
    })),
    metadata: (request.metadata ?? []).map((m) => {
      const o: Record<string, unknown> = {};
      if (m.type) o.type = m.type;
      if (m.metricFamilyName) o.metricFamilyName = m.metricFamilyName;
      if (m.help) o.help = m.help;
      if (m.unit) o.unit = m.unit;
      return o;
    }),
  };
  const bytes = WriteRequestType.encode(WriteRequestType.fromObject(message)).finish();
  const standIn = Buffer.alloc(9);
  standIn[0] = (1 << 3) | 1;
  standIn.writeDoubleLE(STALE_STAND_IN, 1);
  const out = Buffer.from(bytes);
  for (let at = out.indexOf(standIn); at >= 0; at = out.indexOf(standIn, at + 9)) {
    for (let b = 0; b < 8; b++) out[at + 1 + b] = STALE_BYTES[b]!;
  }
  return new Uint8Array(out.buffer, out.byteOffset, out.length);
}
