import type { TokenCredential } from '@azure/identity';
import { createSynapseCollector, type SynapseCollector } from '../sources/synapse';

let shared: SynapseCollector | undefined;

/**
 * One Synapse collector per process for the planner and the worker, as the registry keeps one source: the token
 * cache and the per-application memos outlive an invocation on a warm instance.
 */
export function sharedSynapseCollector(credential: TokenCredential): SynapseCollector {
  shared ??= createSynapseCollector({ credential });
  return shared;
}
