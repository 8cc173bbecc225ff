import { spawn, ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from './ports';

/** A real Prometheus (Debian package) with the remote-write receiver on, on a loopback port. */
export interface PrometheusServer {
  /** e.g. http://127.0.0.1:PORT */
  baseUrl: string;
  /** http://127.0.0.1:PORT/api/v1/write */
  writeUrl: string;
  /** Instant query; returns the `data.result` array. */
  query(promql: string, timeSeconds?: number): Promise<PromVectorItem[]>;
  /** Raw samples of a series selector over [startMs, endMs] (via a range selector at endMs). */
  rawSamples(selector: string, windowSeconds?: number): Promise<Array<{ metric: Record<string, string>; values: Array<[number, string]> }>>;
  stop(): Promise<void>;
}

export interface PromVectorItem {
  metric: Record<string, string>;
  value: [number, string];
}

export const PROMETHEUS_BIN = process.env.PROMETHEUS_BIN ?? '/usr/bin/prometheus';

export function prometheusAvailable(): boolean {
  return existsSync(PROMETHEUS_BIN);
}

export async function startPrometheus(): Promise<PrometheusServer> {
  if (!prometheusAvailable()) {
    throw new Error(`${PROMETHEUS_BIN} not found: install the Debian package 'prometheus' (.ci/run does)`);
  }
  const dir = await mkdtemp(join(tmpdir(), 'lakepulse-prom-'));
  const configPath = join(dir, 'prometheus.yml');
  await writeFile(configPath, 'global:\n  scrape_interval: 1h\n  evaluation_interval: 1h\nscrape_configs: []\n');
  const port = await freePort();
  const child: ChildProcess = spawn(
    PROMETHEUS_BIN,
    [
      `--config.file=${configPath}`,
      `--storage.tsdb.path=${join(dir, 'data')}`,
      `--web.listen-address=127.0.0.1:${port}`,
      '--web.enable-remote-write-receiver',
      '--storage.tsdb.retention.time=1d',
      '--log.level=warn',
    ],
    { stdio: ['ignore', 'ignore', 'pipe'] },
  );
  let stderr = '';
  child.stderr?.on('data', (chunk: Buffer) => {
    stderr = (stderr + chunk.toString()).slice(-4000);
  });
  const baseUrl = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 30_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`prometheus exited with ${child.exitCode}: ${stderr}`);
    try {
      const res = await fetch(`${baseUrl}/-/ready`);
      if (res.ok) break;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`prometheus did not become ready in 30 s: ${stderr}`);
    }
    await new Promise((r) => setTimeout(r, 100));
  }

  async function api(path: string, params: Record<string, string>): Promise<unknown> {
    const res = await fetch(`${baseUrl}${path}?${new URLSearchParams(params)}`);
    const body = (await res.json()) as { status: string; data?: { result?: unknown }; error?: string };
    if (body.status !== 'success') throw new Error(`PromQL ${params.query}: ${body.error ?? res.status}`);
    return body.data?.result;
  }

  return {
    baseUrl,
    writeUrl: `${baseUrl}/api/v1/write`,
    async query(promql, timeSeconds) {
      const params: Record<string, string> = { query: promql };
      if (timeSeconds !== undefined) params.time = String(timeSeconds);
      return (await api('/api/v1/query', params)) as PromVectorItem[];
    },
    async rawSamples(selector, windowSeconds = 3600) {
      return (await api('/api/v1/query', { query: `${selector}[${windowSeconds}s]`, time: String(Date.now() / 1000 + 60) })) as Array<{
        metric: Record<string, string>;
        values: Array<[number, string]>;
      }>;
    },
    async stop() {
      if (child.exitCode === null) {
        const exited = new Promise((r) => child.once('exit', r));
        child.kill('SIGTERM');
        const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
        await exited;
        clearTimeout(timer);
      }
      await rm(dir, { recursive: true, force: true });
    },
  };
}
