import type { SparkApp, SynapseEmulator } from '../../../lib/emulators/synapse';

/** Plain HTTP calls against the emulator as a Synapse client would make them (no project code involved). */

export interface ListResponse {
  nJobs: number;
  sparkJobs: Array<Record<string, unknown>>;
}

export function endpointOf(emu: SynapseEmulator, ws: string): string {
  const w = emu.workspaces.find((x) => x.name === ws);
  if (!w) throw new Error(`no workspace ${ws}`);
  return w.endpoint;
}

export function listUrl(emu: SynapseEmulator, ws: string, params: Record<string, string> = {}): string {
  const q = new URLSearchParams({ 'api-version': '2019-11-01-preview', ...params });
  return `${endpointOf(emu, ws)}/monitoring/workloadTypes/spark/applications?${q.toString()}`;
}

export function appUrl(emu: SynapseEmulator, ws: string, app: Pick<SparkApp, 'pool' | 'livyId' | 'appId'>, leaf: 'text' | 'executors' | 'allexecutors'): string {
  const base = `${endpointOf(emu, ws)}/livyApi/versions/2019-11-01-preview/sparkpools/${app.pool}/sessions/${app.livyId}/applications/${app.appId}`;
  return leaf === 'text' ? `${base}/metrics/executors/prometheus?format=html` : `${base}/${leaf}`;
}

export async function get(url: string, token?: string): Promise<{ status: number; body: string; contentType: string }> {
  const res = await fetch(url, token ? { headers: { Authorization: `Bearer ${token}` } } : {});
  return { status: res.status, body: await res.text(), contentType: res.headers.get('content-type') ?? '' };
}

export async function list(emu: SynapseEmulator, ws: string, params: Record<string, string> = {}): Promise<ListResponse> {
  const res = await get(listUrl(emu, ws, params));
  if (res.status !== 200) throw new Error(`list answered ${res.status}: ${res.body}`);
  return JSON.parse(res.body) as ListResponse;
}

/** Every page, following skip until skip >= nJobs. */
export async function listAll(emu: SynapseEmulator, ws: string, params: Record<string, string> = {}): Promise<{ nJobs: number[]; rows: ListResponse['sparkJobs']; pages: number }> {
  const rows: ListResponse['sparkJobs'] = [];
  const nJobs: number[] = [];
  let pages = 0;
  for (let skip = 0; ; ) {
    const page = await list(emu, ws, { ...params, skip: String(skip) });
    pages += 1;
    nJobs.push(page.nJobs);
    rows.push(...page.sparkJobs);
    skip += page.sparkJobs.length;
    if (skip >= page.nJobs || page.sparkJobs.length === 0) break;
  }
  return { nJobs, rows, pages };
}

/** Running and scrapeable in the data set: state InProgress with an application id. */
export function runningApps(emu: SynapseEmulator, ws: string): SparkApp[] {
  return emu.data.workspaces.find((w) => w.name === ws)!.apps.filter((a) => a.state === 'InProgress' && a.appId !== null);
}

/** One sample line of Spark's text: name, the three labels in Spark's order, raw value. */
export const SAMPLE_LINE = /^(metrics_executor_\w+)\{application_id="([^"]*)", application_name="([^"]*)", executor_id="([^"]*)"\} (\S+)$/;
