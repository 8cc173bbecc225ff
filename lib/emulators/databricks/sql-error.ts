/** A Databricks-style SQL error: `[ERROR_CLASS] message SQLSTATE: xxxxx`, with the SQLSTATE kept apart. */
export class DatabricksSqlError extends Error {
  constructor(readonly errorClass: string, message: string, readonly sqlState: string) {
    super(`[${errorClass}] ${message} SQLSTATE: ${sqlState}`);
  }
}
