import type { StateStore } from '../../state/store';
import type { AppMemo } from './executors';

interface WorkspaceMemos {
  memos: Map<string, AppMemo>;
  /** Of what the state store holds, to write only when something changed. */
  stored: string;
}

/**
 * The per-application memos (Spark's application name, each executor's add time), in memory across cycles of one
 * process and in the state store across processes, so a fresh process — every `lakepulse run --once`, every cold start —
 * does not read every application's `/executors` JSON again for add times that never change. Stored under
 * `synapse/<workspace>/executors` as `{ "<application id>": { "name"?: string, "addTimes": { "<executor id>": <Unix s> } } }`.
 * Memos of applications no longer running are dropped.
 */
export class AppMemory {
  private readonly workspaces = new Map<string, WorkspaceMemos>();

  /** The memos of these running applications (new ones empty), replacing the workspace's previous set. */
  async forApplications(state: StateStore, workspace: string, appIds: readonly string[]): Promise<Map<string, AppMemo>> {
    const previous = this.workspaces.get(workspace) ?? (await load(state, workspace));
    const memos = new Map<string, AppMemo>();
    for (const id of appIds) memos.set(id, previous.memos.get(id) ?? { addTimes: new Map() });
    this.workspaces.set(workspace, { memos, stored: previous.stored });
    return memos;
  }

  /** Writes the workspace's memos if they changed since they were last read or written. */
  async save(state: StateStore, workspace: string): Promise<void> {
    const current = this.workspaces.get(workspace);
    if (!current) return;
    const signature = signatureOf(current.memos);
    if (signature === current.stored) return;
    const out: Record<string, { name?: string; addTimes: Record<string, number> }> = {};
    for (const [appId, memo] of current.memos) out[appId] = { ...(memo.name !== undefined ? { name: memo.name } : {}), addTimes: Object.fromEntries(memo.addTimes) };
    await state.put(keyOf(workspace), out);
    current.stored = signature;
  }
}

const keyOf = (workspace: string) => `synapse/${workspace}/executors`;

async function load(state: StateStore, workspace: string): Promise<WorkspaceMemos> {
  const memos = new Map<string, AppMemo>();
  const stored = await state.get(keyOf(workspace));
  if (typeof stored === 'object' && stored !== null) {
    for (const [appId, raw] of Object.entries(stored as Record<string, unknown>)) {
      if (typeof raw !== 'object' || raw === null) continue;
      const { name, addTimes } = raw as Record<string, unknown>;
      const memo: AppMemo = { addTimes: new Map() };
      if (typeof name === 'string') memo.name = name;
      if (typeof addTimes === 'object' && addTimes !== null) {
        for (const [id, t] of Object.entries(addTimes as Record<string, unknown>)) if (typeof t === 'number' && Number.isFinite(t)) memo.addTimes.set(id, t);
      }
      memos.set(appId, memo);
    }
  }
  return { memos, stored: signatureOf(memos) };
}

/** Add times never change once known, so the applications, their names and their executor counts tell a change. */
function signatureOf(memos: ReadonlyMap<string, AppMemo>): string {
  let s = '';
  for (const [appId, memo] of memos) s += `${appId}\u0000${memo.name ?? ''}\u0000${memo.addTimes.size}\u0001`;
  return s;
}
