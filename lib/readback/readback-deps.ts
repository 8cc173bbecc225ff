import type { TokenCredential } from '@azure/identity';

/** What tests may hand the read-back commands; the CLI passes none of it. */
export interface ReadbackDeps {
  /** Clock in epoch ms. Default Date.now. */
  now?: () => number;
  /** For PROMETHEUS_QUERY_AUTH=azure. Default the managed identity / DefaultAzureCredential. */
  credential?: TokenCredential;
}
