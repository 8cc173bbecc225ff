import type { SparkJob } from '../sources/synapse/discover';

/** The storage queue the Synapse planner fills and the `collect` function drains. */
export const COLLECT_QUEUE = 'lakepulse-collect';
export const MESSAGE_VERSION = 1;

/**
 * One slice of one workspace's running applications, planned by the Synapse timer. Plain JSON. `cycleMs` is the
 * planning cycle's timestamp: every sample of the slice carries it, so a redelivered message yields the same
 * timestamps, and a slice's completion is recorded against it, so a redelivery never counts twice.
 */
export interface CollectMessage {
  version: typeof MESSAGE_VERSION;
  kind: 'synapse-slice';
  cycleMs: number;
  /** Dequeued later than this (one schedule interval after planning), the slice is skipped: a newer plan exists. */
  notAfterMs: number;
  /** Workspace endpoint; must be one of SYNAPSE_WORKSPACES (a message never chooses where a token goes). */
  workspace: string;
  slice: number;
  applications: SparkJob[];
}

export class MalformedMessageError extends Error {
  override name = 'MalformedMessageError';
}

/** Validates a queue message from unknown (the host hands over parsed JSON, or a string). */
export function parseCollectMessage(raw: unknown): CollectMessage {
  let value = raw;
  if (typeof raw === 'string') {
    try {
      value = JSON.parse(raw) as unknown;
    } catch {
      throw new MalformedMessageError('the message is not JSON');
    }
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new MalformedMessageError('the message is not a JSON object');
  const m = value as Record<string, unknown>;
  if (m.version !== MESSAGE_VERSION) throw new MalformedMessageError(`unsupported message version ${JSON.stringify(m.version)} (this build reads ${MESSAGE_VERSION})`);
  if (m.kind !== 'synapse-slice') throw new MalformedMessageError(`unknown message kind ${JSON.stringify(m.kind)}`);
  const int = (name: string): number => {
    const v = m[name];
    if (typeof v !== 'number' || !Number.isSafeInteger(v) || v < 0) throw new MalformedMessageError(`${name} must be a non-negative integer`);
    return v;
  };
  if (typeof m.workspace !== 'string' || m.workspace === '') throw new MalformedMessageError('workspace must be a non-empty string');
  if (!Array.isArray(m.applications)) throw new MalformedMessageError('applications must be an array');
  const applications = m.applications.map((a, i) => readJob(a, i));
  return { version: MESSAGE_VERSION, kind: 'synapse-slice', cycleMs: int('cycleMs'), notAfterMs: int('notAfterMs'), workspace: m.workspace, slice: int('slice'), applications };
}

function readJob(raw: unknown, i: number): SparkJob {
  if (typeof raw !== 'object' || raw === null) throw new MalformedMessageError(`applications[${i}] is not an object`);
  const a = raw as Record<string, unknown>;
  const str = (k: string): string => {
    const v = a[k];
    if (typeof v !== 'string') throw new MalformedMessageError(`applications[${i}].${k} must be a string`);
    return v;
  };
  const num = (k: string): number | undefined => {
    const v = a[k];
    if (v === undefined || v === null) return undefined;
    if (typeof v !== 'number' || !Number.isFinite(v)) throw new MalformedMessageError(`applications[${i}].${k} must be a number`);
    return v;
  };
  const appId = str('appId');
  if (appId === '') throw new MalformedMessageError(`applications[${i}].appId is empty`);
  const job: SparkJob = { pool: str('pool'), livyId: str('livyId'), appId, name: str('name'), state: str('state'), jobType: str('jobType') };
  for (const k of ['submitTimeMs', 'endTimeMs', 'queuedSeconds', 'runningSeconds', 'totalSeconds'] as const) {
    const v = num(k);
    if (v !== undefined) job[k] = v;
  }
  return job;
}
