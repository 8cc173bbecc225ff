/**
 * Faults the Synapse emulator injects on demand. Every key is a workspace name or a Spark application id; a workspace
 * key applies the fault to every application in that workspace. All members are mutable at any time.
 */
export interface SynapseFaults {
  /** Workspace → HTTP status answered by the monitoring list (e.g. 500, 503). */
  discoveryStatus: Record<string, number>;
  /** Workspaces whose monitoring list answers 200 with a body cut off mid-JSON. */
  truncateDiscovery: Set<string>;
  /** Workspace: every request answers 401. Application: its executor endpoints answer 401. */
  unauthorized: Set<string>;
  /** Workspace: every request is delayed by this many ms. Application: its executor endpoints are. */
  slowMs: Record<string, number>;
  /** The executor text answers 200 with garbage (HTML, control bytes, a line cut short). */
  malformedText: Set<string>;
  /** The executor text answers 200 with an empty body; `/executors` JSON still works. */
  emptyText: Set<string>;
  /** Both executor endpoints (text and JSON) answer 500. */
  status500: Set<string>;
}

export function emptyFaults(): SynapseFaults {
  return {
    discoveryStatus: {},
    truncateDiscovery: new Set(),
    unauthorized: new Set(),
    slowMs: {},
    malformedText: new Set(),
    emptyText: new Set(),
    status500: new Set(),
  };
}

/** Whether a Set-valued fault applies to this application (by its id or its workspace). */
export function appliesTo(fault: Set<string>, workspace: string, appId: string | null): boolean {
  return fault.has(workspace) || (appId !== null && fault.has(appId));
}

/** What an application's text endpoint answers under `malformedText`: not Prometheus text at all. */
export const MALFORMED_TEXT = '<html><body>Service Unavailable</body></html>\n\u0000\u0001garbage{{{ 12 13\nmetrics_executor_memoryUsed_bytes{application_id="app';

/** What the monitoring list answers under `truncateDiscovery`. */
export const TRUNCATED_LIST = '{"nJobs": 12, "sparkJobs": [{"state": "InProg';
