import { compressSync } from 'snappy';
import { compress as snappyjsCompress } from 'snappyjs';
import { batches } from '../lib/remote-write/batch';
import { WriteRequestEncoder } from '../lib/remote-write/encode';
import { DropCounter, prepareEach } from '../lib/remote-write/labels';
import type { Series } from '../lib/series';
import { medianMs, report } from './timing';

// Baseline: the npm `prometheus-remote-write` package (not a dependency of lib/; only here).
// eslint-disable-next-line @typescript-eslint/no-require-imports
const prw = require('prometheus-remote-write') as { serialize(payload: unknown): Promise<Uint8Array> };

const SERIES = 100_000;
const BATCH = 2000;
const now = Date.now();

/** 8 labels per series, one of them a long Azure resource id, 1 sample each. */
function realistic(): Series[] {
  return Array.from({ length: SERIES }, (_, i) => ({
    labels: {
      __name__: i % 3 === 0 ? 'spark_executor_memoryUsed_bytes' : i % 3 === 1 ? 'spark_executor_totalDuration_seconds_total' : 'spark_executor_activeTasks',
      job: 'synapse-workspace-contoso',
      instance: 'contoso.dev.azuresynapse.net',
      workspace_name: 'contoso',
      spark_pool_name: `pool${i % 5}`,
      application_id: `application_1700000000000_${String(Math.floor(i / 40)).padStart(4, '0')}`,
      executor_id: String(i % 40),
      resource_id: `/subscriptions/00000000-1111-2222-3333-444444444444/resourceGroups/rg-analytics-prod/providers/Microsoft.Synapse/workspaces/contoso/bigDataPools/pool${i % 5}`,
    },
    samples: [{ value: (i * 7919) % 100_000, timestampMs: now }],
  }));
}

async function main(): Promise<void> {
  const data = realistic();

  const ours = async () => {
    const drops = new DropCounter();
    let bytes = 0;
    for (const b of batches(prepareEach(data, drops), { maxSamplesPerRequest: BATCH, maxBytesPerRequest: 10_000_000 }, drops)) bytes += b.body.length;
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

  const tOurs = await medianMs(ours, 9, 2);
  const tBase = await medianMs(baseline, 5, 1);

  // The floor: compressing the same raw bytes, already encoded.
  const encoder = new WriteRequestEncoder();
  const raws: Uint8Array[] = [];
  {
    const drops = new DropCounter();
    const prepared = [...prepareEach(data, drops)];
    for (let i = 0; i < prepared.length; i += BATCH) raws.push(Uint8Array.from(encoder.encode(prepared.slice(i, i + BATCH))));
  }
  const floorJs = async () => raws.reduce((n, r) => n + snappyjsCompress(r).length, 0);
  const floorNapi = async () => raws.reduce((n, r) => n + compressSync(r).length, 0);

  const tFloor = await medianMs(floorJs);
  const tNapi = await medianMs(floorNapi);
  const rawMb = raws.reduce((n, r) => n + r.length, 0) / 1e6;

  report('encode_vs_prometheus_remote_write', tBase / tOurs, 'x', `ours ${tOurs.toFixed(1)} ms, prometheus-remote-write serialize + snappyjs ${tBase.toFixed(1)} ms for ${SERIES} series in ${BATCH}-sample batches (${rawMb.toFixed(1)} MB raw); goal >= 5`);
  report('encode_vs_floor', tOurs / tFloor, 'x', `ours (hygiene + encode + compress) ${tOurs.toFixed(1)} ms over snappyjs compress alone ${tFloor.toFixed(1)} ms; goal <= 2.5`);
  report('snappy_napi_vs_snappyjs', tNapi / tFloor, 'x', `napi snappy ${tNapi.toFixed(1)} ms vs snappyjs ${tFloor.toFixed(1)} ms at ${BATCH}-sample batches (> 1 means snappyjs is faster)`);
}

void main();
