import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { silentLogger } from '../lib/log';
import { remoteWriteDefaults } from '../lib/remote-write/config';
import { createRemoteWriter } from '../lib/remote-write/sender';
import type { Series } from '../lib/series';
import { report } from './timing';

/**
 * Peak heap above the input itself while one write() pushes N single-sample series (Azure-like labels) to an
 * in-process receiver that accepts everything. Hygiene and batching are lazy, so the figure should be bounded by one
 * batch (2000 samples), not by N: the 100k and 1M figures should be close. What does grow a little with N is the
 * encoder's cache of encoded label fields, which is bounded (8 MB estimated) and emptied when full.
 */

/** A full GC, with or without --expose-gc. */
const gc: () => void = (() => {
  const exposed = (globalThis as { gc?: () => void }).gc;
  if (exposed) return exposed;
  setFlagsFromString('--expose-gc');
  return runInNewContext('gc') as () => void;
})();

async function peakHeapMb(samples: number): Promise<{ mb: number; requests: number }> {
  let peak = 0;
  const sampleHeap = () => {
    const used = process.memoryUsage().heapUsed;
    if (used > peak) peak = used;
  };
  // Receives, drains and accepts; samples the heap at every request, i.e. at every batch boundary of the sender.
  let requests = 0;
  const server = createServer((req, res) => {
    requests++;
    sampleHeap();
    req.resume();
    req.on('end', () => res.writeHead(204).end());
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = new URL(`http://127.0.0.1:${(server.address() as AddressInfo).port}/api/v1/write`);
  const writer = createRemoteWriter({ url, auth: { kind: 'none' }, ...remoteWriteDefaults, headers: {}, sendMetadata: false }, { log: silentLogger });

  const now = Date.now();
  // Label values are flattened up front (a Map key is always a flat string): V8 builds template strings as cons
  // strings and flattens them in place on first read, which would otherwise count input growth as the sender's.
  const flat = new Map<string, string>();
  const value = (text: string) => {
    const known = flat.get(text);
    if (known !== undefined) return known;
    flat.set(text, text);
    return text;
  };
  const input: Series[] = new Array<Series>(samples);
  for (let i = 0; i < samples; i++) {
    input[i] = {
      labels: { __name__: 'heap_bench_executor_memory_bytes', job: 'synapse-workspace-ws1', instance: 'ws1.dev.azuresynapse.net', executor_id: value(String(i % 50)), application_id: value(`application_1700000000000_${Math.floor(i / 50)}`) },
      samples: [{ value: i, timestampMs: now }],
    };
  }
  flat.clear();
  gc();
  const base = process.memoryUsage().heapUsed;
  peak = base;
  const timer = setInterval(sampleHeap, 1);
  const result = await writer.write(input);
  clearInterval(timer);
  sampleHeap();
  await new Promise<void>((resolve) => server.close(() => resolve()));
  if (result.samplesSent !== samples) throw new Error(`sent ${result.samplesSent} of ${samples}`);
  input.length = 0;
  return { mb: (peak - base) / 1e6, requests };
}

async function main(): Promise<void> {
  await peakHeapMb(20_000); // warm up the JIT so compiled code is not counted in the first figure
  gc();
  const small = await peakHeapMb(100_000);
  gc();
  const large = await peakHeapMb(1_000_000);
  report(
    'peak_heap_1m_samples_mb',
    large.mb,
    'MB',
    `heap over input: 100k=${small.mb.toFixed(1)} MB, 1M=${large.mb.toFixed(1)} MB (one write() each, ${small.requests} and ${large.requests} requests of ≤${remoteWriteDefaults.maxSamplesPerRequest} samples: bounded by the batch, not the total)`,
  );
}

void main();
