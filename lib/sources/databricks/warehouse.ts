import { readFileSync } from 'node:fs';
import type { TokenCredential } from '@azure/identity';
import type { DBSQLClient } from '@databricks/sql';
import { cachedTokenSource, createAzureCredential } from '../../azure/credential';
import { ConfigError, errorMessage } from '../../errors';
import type { Logger } from '../../log';
import type { DatabricksConfig } from './config';
import { deniedStatus, describeWarehouseConnection, describeWarehouseDenied, tokenFailureIn } from './failure';
import { redact } from '../../redact';

/** The Azure Databricks resource: an Entra token for it is a Databricks token (managed identity, no secret). */
export const AZURE_DATABRICKS_SCOPE = '2ff814a6-3304-4ab8-85cb-cd0e6f879c1d/.default';
/** Goes into the driver's User-Agent, so query history shows (and the queries domain excludes) our statements. */
export const USER_AGENT_ENTRY = 'lakepulse';

export type Row = Record<string, unknown>;

/** A statement failed because a table is missing or not granted: only its domain goes down. */
export class TableAccessError extends Error {
  /** `full` is the warehouse's whole message (it names the table); `message` is its first sentence, for logs. */
  constructor(readonly errorClass: 'TABLE_OR_VIEW_NOT_FOUND' | 'INSUFFICIENT_PERMISSIONS', readonly full: string) {
    const lines = full.split('\n').map((l) => l.trim()).filter(Boolean);
    super(lines[0]?.endsWith(':') && lines[1] ? `${lines[0]} ${lines[1]}` : (lines[0] ?? full));
  }
}

/** What the warehouse was asked to do, accumulated over the client's life (the caller takes differences). */
export interface WarehouseUsage {
  /** ExecuteStatement calls, each cold-start retry included. */
  statements: number;
  /** Wall time from ExecuteStatement to the last row fetched (or the failure), summed. */
  statementMs: number;
  /** Result rows fetched. */
  rowsFetched: number;
}

export interface Warehouse {
  /** Runs one statement; a cold-start retry never starts after `signal` is aborted. */
  query(sql: string, signal?: AbortSignal): Promise<Row[]>;
  /** A copy of the running totals. */
  usage(): WarehouseUsage;
  close(): Promise<void>;
}

interface Session {
  executeStatement(sql: string, options?: Record<string, unknown>): Promise<{ fetchAll(): Promise<unknown[]>; close(): Promise<unknown> }>;
  close(): Promise<unknown>;
}

/**
 * The driver (Thrift, Arrow, OAuth: about a quarter of a second to load) is loaded on first connect, so a process that
 * collects only Synapse never pays for it.
 */
function loadDriver(): typeof import('@databricks/sql') {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  return require('@databricks/sql') as typeof import('@databricks/sql');
}

const COLD_START = /\b503\b|\b502\b|\b504\b|starting|Couldn't create directory|has not been initialized|already closed|ECONNRESET|ECONNREFUSED|socket hang up|TEMPORARILY_UNAVAILABLE/i;

/**
 * One driver client per source, reused across cycles (and Function invocations); one session, reopened when it
 * breaks. The driver does not retry OpenSession, ExecuteStatement or FetchResults, so a starting warehouse (HTTP 503,
 * cold-start errors inside HTTP 200) is retried here with backoff until the cold-start deadline.
 */
export function createWarehouse(config: DatabricksConfig, deps: { log: Logger; credential?: TokenCredential; env?: Readonly<Record<string, string | undefined>>; sleep?: (ms: number) => Promise<void> }): Warehouse {
  const sleep = deps.sleep ?? ((ms: number) => new Promise<void>((r) => setTimeout(r, ms)));
  let client: DBSQLClient | undefined;
  let session: Session | undefined;
  /** Set when the Entra credential (not the warehouse) failed, so the error names the identity settings. */
  let credentialFailed = false;

  const connect = async (): Promise<Session> => {
    if (session) return session;
    client ??= new (loadDriver().DBSQLClient)({ logger: { log: () => undefined } });
    let caCert: Buffer | undefined;
    if (config.caCertPath) {
      try {
        caCert = readFileSync(config.caCertPath);
      } catch (err) {
        throw new ConfigError('DATABRICKS_CA_CERT', `DATABRICKS_CA_CERT cannot be read (${(err as NodeJS.ErrnoException).code ?? errorMessage(err)})`);
      }
    }
    const common = {
      host: config.serverHostname,
      port: config.port,
      path: config.httpPath,
      userAgentEntry: USER_AGENT_ENTRY,
      telemetryEnabled: false,
      retryMaxAttempts: 3,
      ...(caCert ? { customCaCert: caCert } : {}),
    };
    const auth = config.auth;
    const authOptions =
      auth.kind === 'pat'
        ? { token: auth.token }
        : auth.kind === 'oauth-m2m'
          ? { authType: 'databricks-oauth' as const, oauthClientId: auth.clientId, oauthClientSecret: auth.clientSecret, useDatabricksOAuthInAzure: true }
          : (() => {
              const tokens = cachedTokenSource(deps.credential ?? createAzureCredential(deps.env ?? {}), AZURE_DATABRICKS_SCOPE);
              return {
                authType: 'external-token' as const,
                getToken: async () => {
                  try {
                    return await tokens.getToken();
                  } catch (err) {
                    credentialFailed = true;
                    throw err;
                  }
                },
              };
            })();
    await client.connect({ ...common, ...authOptions } as Parameters<DBSQLClient['connect']>[0]);
    session = (await client.openSession({ configuration: { STATEMENT_TIMEOUT: String(config.statementTimeoutSeconds) } })) as unknown as Session;
    return session;
  };

  const usage: WarehouseUsage = { statements: 0, statementMs: 0, rowsFetched: 0 };

  const runOnce = async (sql: string): Promise<Row[]> => {
    const s = await connect();
    const started = performance.now();
    usage.statements += 1;
    try {
      // Aggregates are a few hundred rows: inline results, no CloudFetch (which needs egress to the workspace storage).
      const operation = await s.executeStatement(sql, { runAsync: true, useCloudFetch: false });
      try {
        const rows = (await operation.fetchAll()).filter((r): r is Row => typeof r === 'object' && r !== null);
        usage.rowsFetched += rows.length;
        return rows;
      } finally {
        await operation.close().catch(() => undefined);
      }
    } finally {
      usage.statementMs += performance.now() - started;
    }
  };

  return {
    async query(sql, signal) {
      const deadline = Date.now() + config.coldStartDeadlineMs;
      for (let attempt = 0, delay = 1000; ; attempt++, delay = Math.min(delay * 2, 30_000)) {
        if (signal?.aborted) throw new Error('databricks: the cycle budget ran out before the statement could start');
        try {
          return await runOnce(sql);
        } catch (err) {
          const message = errorMessage(err);
          const access = /\[(TABLE_OR_VIEW_NOT_FOUND|INSUFFICIENT_PERMISSIONS)\]/.exec(message);
          if (access) throw new TableAccessError(access[1] as 'TABLE_OR_VIEW_NOT_FOUND' | 'INSUFFICIENT_PERMISSIONS', message);
          if (err instanceof ConfigError) throw err;
          if (credentialFailed) {
            credentialFailed = false;
            const token = tokenFailureIn(err);
            throw new Error(`DATABRICKS_AUTH=azure: ${token ? token.message : `no Microsoft Entra token for ${AZURE_DATABRICKS_SCOPE}: ${redactSecrets(message, config).slice(0, 300)}`}`);
          }
          const rejected = deniedStatus(err, message);
          if (rejected) throw new Error(describeWarehouseDenied(rejected, config));
          if (!COLD_START.test(message) || Date.now() + delay > deadline) throw new Error(describeWarehouseConnection(err, config) ?? redactSecrets(message, config));
          deps.log.warn('databricks warehouse not ready, retrying', { attempt: attempt + 1, delayMs: delay, error: redactSecrets(message, config).slice(0, 200) });
          // A broken session is not reused.
          await session?.close().catch(() => undefined);
          session = undefined;
          await sleep(delay);
        }
      }
    },
    usage: () => ({ ...usage }),
    async close() {
      await session?.close().catch(() => undefined);
      await client?.close().catch(() => undefined);
      session = undefined;
      client = undefined;
    },
  };
}

/** Errors never carry a secret, even if a library echoes one (the configured token or client secret, or any token). */
function redactSecrets(message: string, config: DatabricksConfig): string {
  return redact(message, [config.auth.kind === 'pat' ? config.auth.token : config.auth.kind === 'oauth-m2m' ? config.auth.clientSecret : undefined]);
}
