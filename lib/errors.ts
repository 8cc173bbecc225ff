/** Errors with stable codes. Code branches on `code`, never on message text. */

export class LakepulseError extends Error {
  readonly code: string = 'LAKEPULSE';
}

/** A bad or missing setting. `variable` names the environment variable; the CLI exits 2. */
export class ConfigError extends LakepulseError {
  override readonly code = 'LAKEPULSE_CONFIG';
  override name = 'ConfigError';
  constructor(readonly variable: string, message: string) {
    super(message);
  }
}

/** The receiver refused a batch and it will not be retried (4xx other than 429). */
export class RemoteWriteRejectedError extends LakepulseError {
  override readonly code = 'LAKEPULSE_REMOTE_WRITE_REJECTED';
  override name = 'RemoteWriteRejectedError';
  constructor(readonly statusCode: number, message: string) {
    super(message);
  }
}

/** A source target (workspace, warehouse, application) could not be collected. */
export class SourceError extends LakepulseError {
  override readonly code = 'LAKEPULSE_SOURCE';
  override name = 'SourceError';
  constructor(readonly target: string, message: string, options?: { cause?: unknown }) {
    super(message, options);
  }
}

export function errorMessage(err: unknown): string {
  if (err instanceof Error) return err.message;
  if (typeof err === 'object' && err !== null && 'message' in err && typeof err.message === 'string') return err.message;
  return String(err);
}
