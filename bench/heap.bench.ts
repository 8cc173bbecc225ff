import { startLocalReceiver } from '../lib/emulators/receiver';
import { silentLogger } from '../lib/log';
import { remoteWriteDefaults } from '../lib/remote-write/config';
import { createRemoteWriter } from '../lib/remote-write/sender';
import type { Series } from '../lib/series';
import { gc, report } from './timing';

/** Peak heap above the input itself while pushing N samples to a local receiver that accepts everything. */
async function peakHeapMb(samples: number): Promise<number> {
  const receiver = await startLocalReceiver({ keep: false });
  const writer = createRemoteWriter(
    { url: new URL(receiver.url), auth: { kind: 'none' }, ...remoteWriteDefaults, headers: {}, sendMetadata: false },
    { log: silentLogger },
  );
  const now = Date.now();
  const input: Series[] = Array.from({ length: samples }, (_, i) => ({
    labels: { __name__: 'heap_bench', job: 'j', instance: 'i', executor_id: String(i % 50), application_id: `app_${Math.floor(i / 50)}` },
    samples: [{ value: i, timestampMs: now }],
  }));
  gc();
  const base = process.memoryUsage().heapUsed;
  let peak = base;
  const timer = setInterval(() => {
    peak = Math.max(peak, process.memoryUsage().heapUsed);
  }, 2);
  const result = await writer.write(input);
  clearInterval(timer);
  peak = Math.max(peak, process.memoryUsage().heapUsed);
  await receiver.close();
  if (result.samplesSent !== samples) throw new Error(`sent ${result.samplesSent} of ${samples}`);
  return (peak - base) / 1e6;
}

async function main(): Promise<void> {
  const small = await peakHeapMb(100_000);
  gc();
  const large = await peakHeapMb(1_000_000);
  report('peak_heap_1m_samples_mb', large, 'MB', `heap above the input while pushing: 100k samples ${small.toFixed(1)} MB, 1M samples ${large.toFixed(1)} MB (bounded by the batch, not the total)`);
}

void main();
