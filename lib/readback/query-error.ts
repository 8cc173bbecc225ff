import { LakepulseError } from '../errors';

/**
 * A read-back query that did not succeed: the API answered an error (`errorType`, `error`), an HTTP status it should
 * not, or could not be reached. The CLI prints the message and exits 1. Messages never contain a secret.
 */
export class QueryError extends LakepulseError {
  override readonly code: string = 'LAKEPULSE_QUERY';
  override name = 'QueryError';
  constructor(
    message: string,
    readonly details: { statusCode?: number; errorType?: string } = {},
  ) {
    super(message);
  }
}

/** 401 or 403 from the query endpoint: the identity or credentials may not read it. */
export class QueryAccessError extends QueryError {
  override readonly code = 'LAKEPULSE_QUERY_ACCESS';
  override name = 'QueryAccessError';
}
