import type { Labels } from './series';

/**
 * The labels but `__name__` of the series last seen (a "run" of one entity: sources emit an entity's series one after
 * another, ~40 per Spark executor), kept to tell cheaply whether the next series is of the same entity, and to build
 * an entity key without sorting while the label names keep coming in the same order.
 */
export class EntityRun {
  private readonly keys: string[] = [];
  private readonly values: Array<string | undefined> = [];
  /** The label names (in their order) the sorted order below was worked out for, and that order. */
  private sortedFor: string[] = [];
  private order: number[] = [];

  /** True when `labels` has the run's labels but the name, in the same order (compared without allocating). */
  matches(labels: Labels): boolean {
    const keys = this.keys;
    const values = this.values;
    let n = 0;
    for (const k in labels) {
      if (k === '__name__') continue;
      if (n === keys.length || keys[n] !== k || values[n] !== labels[k]) return false;
      n++;
    }
    return n === keys.length;
  }

  /**
   * Starts a run with `labels`; its entity key: every label but `__name__`, sorted by name, empty values left out,
   * as `labelsFromKey` reads it back.
   */
  start(labels: Labels): string {
    const keys = this.keys;
    const values = this.values;
    keys.length = 0;
    values.length = 0;
    for (const k in labels) {
      if (k === '__name__') continue;
      keys.push(k);
      values.push(labels[k]);
    }
    if (!sameList(keys, this.sortedFor)) {
      this.sortedFor = keys.slice();
      this.order = keys.map((_, i) => i).sort((a, b) => (keys[a]! < keys[b]! ? -1 : 1));
    }
    const order = this.order;
    // Joined, not `+=`: a concatenation keeps the slices it is made of, and with them the whole response text each
    // came from, alive as long as the key (the session: the whole cycle); join() copies the characters.
    const parts: string[] = [];
    for (let j = 0; j < order.length; j++) {
      const i = order[j]!;
      const value = values[i];
      if (value === undefined || value === '') continue;
      parts.push(keys[i]!, '\u0000', value, '\u0001');
    }
    return parts.join('');
  }
}

function sameList(a: readonly string[], b: readonly string[]): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}
