import { readHttpAuth, type HttpAuth } from '../http-auth';
import { ConfigError } from '../errors';
import { EnvReader, parseUrl } from '../env';

export type RemoteWriteAuth = HttpAuth;

export interface RemoteWriteConfig {
  url: URL;
  auth: RemoteWriteAuth;
  /** Samples per request, at most. */
  maxSamplesPerRequest: number;
  /** Snappy-compressed body bytes per request, at most. */
  maxBytesPerRequest: number;
  /** Per-request timeout. */
  timeoutMs: number;
  /** Total time one batch may spend retrying. */
  maxRetryMs: number;
  /** Samples older than this are not (re)sent: Azure drops samples older than 20 minutes. */
  maxSampleAgeMs: number;
  minBackoffMs: number;
  maxBackoffMs: number;
  /** Extra request headers (not the reserved ones). */
  headers: Record<string, string>;
  /** Send TYPE/HELP metadata (WriteRequest field 3) alongside the series. */
  sendMetadata: boolean;
}

/** The contract's numbers in one place, as Prometheus's DefaultQueueConfig. */
export const remoteWriteDefaults = {
  maxSamplesPerRequest: 2000,
  maxBytesPerRequest: 1_000_000,
  timeoutMs: 30_000, // 30 s
  maxRetryMs: 120_000, // 2 min
  maxSampleAgeMs: 15 * 60_000, // 15 min: Azure drops samples older than 20 min
  minBackoffMs: 250,
  maxBackoffMs: 5_000,
} as const;

export const AZURE_MONITOR_SCOPE = 'https://monitor.azure.com/.default';

/** Reads REMOTE_WRITE_*; `required` false lets --dry-run run without a URL. */
export function loadRemoteWriteConfig(env: EnvReader, required: boolean): RemoteWriteConfig | undefined {
  const rawUrl = env.string('REMOTE_WRITE_URL');
  if (rawUrl === undefined) {
    if (required) throw new ConfigError('REMOTE_WRITE_URL', 'REMOTE_WRITE_URL must be set to the remote-write endpoint (or use --dry-run)');
    return undefined;
  }
  const url = parseUrl('REMOTE_WRITE_URL', rawUrl);
  const defaultAuth = url.hostname.endsWith('.ingest.monitor.azure.com') ? 'azure' : 'none';
  const auth = readHttpAuth(env, 'REMOTE_WRITE', defaultAuth, AZURE_MONITOR_SCOPE);
  return {
    url,
    auth,
    maxSamplesPerRequest: env.positiveInt('REMOTE_WRITE_MAX_SAMPLES_PER_REQUEST', remoteWriteDefaults.maxSamplesPerRequest),
    maxBytesPerRequest: env.positiveInt('REMOTE_WRITE_MAX_BYTES_PER_REQUEST', remoteWriteDefaults.maxBytesPerRequest),
    timeoutMs: env.positiveInt('REMOTE_WRITE_TIMEOUT_MS', remoteWriteDefaults.timeoutMs),
    maxRetryMs: env.nonNegativeInt('REMOTE_WRITE_MAX_RETRY_MS', remoteWriteDefaults.maxRetryMs),
    maxSampleAgeMs: remoteWriteDefaults.maxSampleAgeMs,
    minBackoffMs: remoteWriteDefaults.minBackoffMs,
    maxBackoffMs: remoteWriteDefaults.maxBackoffMs,
    headers: {},
    sendMetadata: env.oneOf('REMOTE_WRITE_SEND_METADATA', ['true', 'false'] as const, 'false') === 'true',
  };
}

