/** The remote-write sender's public surface. */
export { createRemoteWriter, type RemoteWriter, type RemoteWriterDeps, type WriteResult } from './sender';
export { createClient, isReservedHeader, MAX_ERROR_BODY_BYTES, type RemoteWriteClient, type ClientOptions, type SendOptions, type SendResult } from './client';
export { authHeaderProvider, type AuthHeaderProvider, type AuthDeps } from './auth';
export {
  Backoff, isRecoverable, isRecoverableNetworkError, networkErrorCode, parseRetryAfter, RECOVERABLE_NETWORK_CODES, sleep, withRetries,
  type AttemptOutcome, type BackoffOptions, type RetryOptions, type RetryResult,
} from './retry';
export { loadRemoteWriteConfig, remoteWriteDefaults, AZURE_MONITOR_SCOPE, type RemoteWriteConfig, type RemoteWriteAuth } from './config';
export { reasonOversize, reasonTooOld } from './labels';
