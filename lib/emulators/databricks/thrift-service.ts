import { randomUUID } from 'node:crypto';
import { thrift as databricksThrift } from '@databricks/sql';
import { Int64 } from 'thrift';
import type { QueryResult, ResultColumn } from './engine';
import type { StatementParameter } from './sql-rewrite';
import { DatabricksSqlError } from './sql-error';
import { tableFault, type DatabricksFaults } from './faults';

export type { DatabricksFaults } from './faults';

/* The driver's own generated Thrift code (TCLIService and its types) serves as the server side too. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
const T = (databricksThrift as any).TCLIService_types as Record<string, any>;

export interface DatabricksStats {
  /** ExecuteStatement calls. */
  statements: number;
  /** Every statement's SQL as received. */
  sqlLog: string[];
  /** User-Agent of every statement (in order, one per entry of sqlLog). */
  userAgents: string[];
  /** User-Agent of every Thrift call. */
  callUserAgents: string[];
  /** Thrift calls by method name. */
  calls: Record<string, number>;
  /** Session configuration of the last OpenSession (e.g. STATEMENT_TIMEOUT). */
  sessionConfiguration: Record<string, string>;
  /** Parameters of the last statement, as received. */
  lastParameters: StatementParameter[];
}

interface Operation {
  state: 'RUNNING' | 'FINISHED' | 'ERROR' | 'CANCELED' | 'TIMEDOUT';
  result?: QueryResult;
  error?: DatabricksSqlError;
  offset: number;
  /** Settles when the statement stops running. */
  settled: Promise<void>;
}

export interface ServiceContext {
  engine: { execute(sql: string, nowMs: number, parameters: readonly StatementParameter[]): Promise<QueryResult> };
  faults: DatabricksFaults;
  stats: DatabricksStats;
  /** Largest page the emulator sends (FetchResults and direct results), whatever the client asks for. */
  pageSize: number;
  now: () => number;
  catalog: string;
  /** User-Agent of the HTTP request being processed. */
  userAgent: string;
  /** How long ExecuteStatement waits for a result before answering RUNNING (the driver then polls). */
  asyncAfterMs: number;
}

type Handler = (req: any, cb: (err: unknown, res?: unknown) => void) => void;

const ok = () => new T.TStatus({ statusCode: T.TStatusCode.SUCCESS_STATUS });
const failed = (errorMessage: string, sqlState?: string) => new T.TStatus({ statusCode: T.TStatusCode.ERROR_STATUS, errorMessage, sqlState });
const uuidBytes = () => Buffer.from(randomUUID().replace(/-/g, ''), 'hex');
const handleId = () => new T.THandleIdentifier({ guid: uuidBytes(), secret: uuidBytes() });
const key = (h: { operationId?: { guid?: Buffer } } | undefined) => h?.operationId?.guid?.toString('hex') ?? '';
const int = (v: unknown): number => (typeof v === 'number' ? v : v instanceof Int64 ? v.toNumber() : Number(v ?? 0));

const TYPE_IDS: Record<string, string> = {
  boolean: 'BOOLEAN_TYPE', int: 'INT_TYPE', bigint: 'BIGINT_TYPE', double: 'DOUBLE_TYPE', decimal: 'DECIMAL_TYPE',
  string: 'STRING_TYPE', timestamp: 'TIMESTAMP_TYPE', date: 'DATE_TYPE',
};

function typeEntry(c: ResultColumn) {
  const type = T.TTypeId[c.kind === 'complex' ? `${c.complex ?? 'STRUCT'}_TYPE` : TYPE_IDS[c.kind]!];
  const typeQualifiers = c.kind === 'decimal'
    ? new T.TTypeQualifiers({ qualifiers: { precision: new T.TTypeQualifierValue({ i32Value: c.precision }), scale: new T.TTypeQualifierValue({ i32Value: c.scale }) } })
    : undefined;
  return new T.TTypeEntry({ primitiveEntry: new T.TPrimitiveTypeEntry({ type, typeQualifiers }) });
}

function schemaOf(r: QueryResult) {
  return new T.TTableSchema({ columns: r.columns.map((c, i) => new T.TColumnDesc({ columnName: c.name, typeDesc: new T.TTypeDesc({ types: [typeEntry(c)] }), position: i + 1 })) });
}

function rowSet(r: QueryResult, offset: number, size: number) {
  const rows = r.rows.slice(offset, offset + size);
  const columns = r.columns.map((c, ci) => {
    const nulls = Buffer.alloc(Math.ceil(rows.length / 8));
    const placeholder = c.kind === 'boolean' ? false : c.kind === 'int' || c.kind === 'double' ? 0 : c.kind === 'bigint' ? new Int64(0) : '';
    const values = rows.map((row, ri) => {
      const v = row[ci];
      if (v === null || v === undefined) {
        nulls[ri >> 3]! |= 1 << (ri & 7);
        return placeholder;
      }
      return c.kind === 'bigint' ? new Int64(Number(v)) : v;
    });
    switch (c.kind) {
      case 'boolean': return new T.TColumn({ boolVal: new T.TBoolColumn({ values, nulls }) });
      case 'int': return new T.TColumn({ i32Val: new T.TI32Column({ values, nulls }) });
      case 'bigint': return new T.TColumn({ i64Val: new T.TI64Column({ values, nulls }) });
      case 'double': return new T.TColumn({ doubleVal: new T.TDoubleColumn({ values, nulls }) });
      default: return new T.TColumn({ stringVal: new T.TStringColumn({ values, nulls }) });
    }
  });
  const next = offset + rows.length;
  return { set: new T.TRowSet({ startRowOffset: new Int64(offset), rows: [], columns }), next, more: next < r.rows.length };
}

const COLD_START_MESSAGE = "Couldn't create directory /local_disk0/tmp/: the SQL warehouse is starting. Please retry later.";

/** TCLIService handlers: sessions, statements with and without direct results, paged fetches, errors as Databricks sends them. */
export function createHandler(ctx: ServiceContext): Record<string, Handler> {
  const operations = new Map<string, Operation>();
  const sessions = new Map<string, Record<string, string>>();
  const operationStatus = (op: Operation) => {
    const operationState = T.TOperationState[`${op.state}_STATE`];
    if (op.error) return new T.TGetOperationStatusResp({ status: ok(), operationState, errorMessage: op.error.message, displayMessage: op.error.message, sqlState: op.error.sqlState, hasResultSet: true });
    return new T.TGetOperationStatusResp({ status: ok(), operationState, hasResultSet: true });
  };
  const count = (name: string) => {
    ctx.stats.calls[name] = (ctx.stats.calls[name] ?? 0) + 1;
    ctx.stats.callUserAgents.push(ctx.userAgent);
  };
  const pageSize = (requested: unknown) => {
    const n = int(requested);
    return n > 0 ? Math.min(n, ctx.pageSize) : ctx.pageSize;
  };

  /** Starts a statement: the slow-statement delay, then the engine; STATEMENT_TIMEOUT (seconds) ends it as TIMEDOUT. */
  const start = (sql: string, parameters: StatementParameter[], timeoutSeconds: number): Operation => {
    const op = { state: 'RUNNING', offset: 0 } as Operation;
    const delay = ctx.faults.slowStatementMs;
    const execute = async () => {
      if (delay > 0) await new Promise((resolve) => setTimeout(resolve, delay).unref());
      if (op.state !== 'RUNNING') return;
      try {
        const result = await ctx.engine.execute(sql, ctx.now(), parameters);
        const fault = tableFault(ctx.faults, ctx.catalog, result.tables);
        if (fault) op.error = fault;
        else if (ctx.faults.errorStateStatements?.test(sql)) op.error = new DatabricksSqlError('INTERNAL_ERROR', 'Injected failure while executing the statement.', 'XX000');
        else op.result = result;
      } catch (err) {
        op.error = err instanceof DatabricksSqlError ? err : new DatabricksSqlError('INTERNAL_ERROR', String(err), 'XX000');
      }
      if (op.state === 'RUNNING') op.state = op.error ? 'ERROR' : 'FINISHED';
    };
    const running = execute();
    if (timeoutSeconds > 0) {
      let timer: NodeJS.Timeout | undefined;
      const timeout = new Promise<void>((resolve) => {
        timer = setTimeout(() => {
          if (op.state === 'RUNNING') {
            op.state = 'TIMEDOUT';
            op.error = new DatabricksSqlError('STATEMENT_TIMEOUT', `The statement was cancelled because it ran longer than the STATEMENT_TIMEOUT of ${timeoutSeconds} seconds.`, 'HYT00');
          }
          resolve();
        }, timeoutSeconds * 1000);
      });
      op.settled = Promise.race([running, timeout]).finally(() => clearTimeout(timer));
    } else op.settled = running;
    return op;
  };

  const handlers: Record<string, Handler> = {
    OpenSession(req, cb) {
      count('OpenSession');
      ctx.stats.sessionConfiguration = { ...(req.configuration ?? {}) };
      const sessionId = handleId();
      sessions.set(sessionId.guid.toString('hex'), ctx.stats.sessionConfiguration);
      cb(null, new T.TOpenSessionResp({ status: ok(), serverProtocolVersion: T.TProtocolVersion.SPARK_CLI_SERVICE_PROTOCOL_V8, sessionHandle: new T.TSessionHandle({ sessionId }), configuration: {} }));
    },
    CloseSession(req, cb) {
      count('CloseSession');
      sessions.delete(req.sessionHandle?.sessionId?.guid?.toString('hex') ?? '');
      cb(null, new T.TCloseSessionResp({ status: ok() }));
    },
    ExecuteStatement(req, cb) {
      count('ExecuteStatement');
      const sql = String(req.statement ?? '');
      ctx.stats.statements += 1;
      ctx.stats.sqlLog.push(sql);
      ctx.stats.userAgents.push(ctx.userAgent);
      const parameters: StatementParameter[] = (Array.isArray(req.parameters) ? req.parameters : []).map((p: any) => ({
        name: typeof p?.name === 'string' && p.name !== '' ? p.name : null,
        type: String(p?.type ?? 'STRING'),
        value: typeof p?.value?.stringValue === 'string' ? p.value.stringValue : null,
      }));
      ctx.stats.lastParameters = parameters;
      if (ctx.faults.coldStartErrorState > 0) {
        ctx.faults.coldStartErrorState -= 1;
        return cb(null, new T.TExecuteStatementResp({ status: failed(COLD_START_MESSAGE, 'XX000') }));
      }
      const configuration = sessions.get(req.sessionHandle?.sessionId?.guid?.toString('hex') ?? '');
      if (!configuration) return cb(null, new T.TExecuteStatementResp({ status: failed('Invalid SessionHandle: the session is closed or unknown.', 'HY000') }));
      const timeoutSeconds = Number(configuration.STATEMENT_TIMEOUT ?? configuration.statement_timeout ?? 0) || 0;
      const op = start(sql, parameters, timeoutSeconds);
      const operationHandle = new T.TOperationHandle({ operationId: handleId(), operationType: T.TOperationType.EXECUTE_STATEMENT, hasResultSet: true });
      operations.set(key(operationHandle), op);
      const answer = () => {
        const size = pageSize(req.getDirectResults?.maxRows);
        // Direct results only when asked for, finished, and everything fits in one page; otherwise the driver polls and fetches.
        if (!req.getDirectResults || op.state === 'RUNNING' || (op.result && op.result.rows.length > size)) return cb(null, new T.TExecuteStatementResp({ status: ok(), operationHandle }));
        const directResults: Record<string, unknown> = { operationStatus: operationStatus(op) };
        if (op.result) {
          const page = rowSet(op.result, 0, size);
          directResults.resultSetMetadata = new T.TGetResultSetMetadataResp({ status: ok(), schema: schemaOf(op.result), resultFormat: T.TSparkRowSetType.COLUMN_BASED_SET });
          directResults.resultSet = new T.TFetchResultsResp({ status: ok(), hasMoreRows: false, results: page.set });
          directResults.closeOperation = new T.TCloseOperationResp({ status: ok() });
          operations.delete(key(operationHandle));
        }
        cb(null, new T.TExecuteStatementResp({ status: ok(), operationHandle, directResults: new T.TSparkDirectResults(directResults) }));
      };
      let timer: NodeJS.Timeout | undefined;
      void Promise.race([op.settled, new Promise((resolve) => (timer = setTimeout(resolve, ctx.asyncAfterMs)))]).then(() => {
        clearTimeout(timer);
        answer();
      }).catch(cb);
    },
    GetOperationStatus(req, cb) {
      count('GetOperationStatus');
      const op = operations.get(key(req.operationHandle));
      if (!op) return cb(null, new T.TGetOperationStatusResp({ status: failed('Invalid OperationHandle: the operation is closed or unknown.'), operationState: T.TOperationState.CLOSED_STATE }));
      cb(null, operationStatus(op));
    },
    GetResultSetMetadata(req, cb) {
      count('GetResultSetMetadata');
      const op = operations.get(key(req.operationHandle));
      if (!op?.result || op.state !== 'FINISHED') return cb(null, new T.TGetResultSetMetadataResp({ status: failed(op?.error?.message ?? 'Invalid OperationHandle or operation not finished', op?.error?.sqlState) }));
      cb(null, new T.TGetResultSetMetadataResp({ status: ok(), schema: schemaOf(op.result), resultFormat: T.TSparkRowSetType.COLUMN_BASED_SET }));
    },
    FetchResults(req, cb) {
      count('FetchResults');
      const op = operations.get(key(req.operationHandle));
      if (!op?.result || op.state !== 'FINISHED') return cb(null, new T.TFetchResultsResp({ status: failed(op?.error?.message ?? 'Invalid OperationHandle or operation not finished', op?.error?.sqlState) }));
      if (req.orientation === T.TFetchOrientation.FETCH_FIRST) op.offset = 0;
      const page = rowSet(op.result, op.offset, pageSize(req.maxRows));
      op.offset = page.next;
      cb(null, new T.TFetchResultsResp({ status: ok(), hasMoreRows: page.more, results: page.set }));
    },
    CloseOperation(req, cb) {
      count('CloseOperation');
      operations.delete(key(req.operationHandle));
      cb(null, new T.TCloseOperationResp({ status: ok() }));
    },
    CancelOperation(req, cb) {
      count('CancelOperation');
      const op = operations.get(key(req.operationHandle));
      if (op?.state === 'RUNNING') op.state = 'CANCELED';
      cb(null, new T.TCancelOperationResp({ status: ok() }));
    },
  };
  // Every other TCLIService method answers ERROR_STATUS inside HTTP 200 (never a 500 that the driver would retry).
  for (const name of ['GetInfo', 'GetTypeInfo', 'GetCatalogs', 'GetSchemas', 'GetTables', 'GetTableTypes', 'GetColumns', 'GetFunctions',
    'GetPrimaryKeys', 'GetCrossReference', 'GetDelegationToken', 'CancelDelegationToken', 'RenewDelegationToken']) {
    handlers[name] = (_req, cb) => {
      count(name);
      const status = failed(`[NOT_SUPPORTED] ${name} is not supported by the Lakepulse Databricks emulator.`, '0A000');
      cb(null, new T[`T${name}Resp`](name === 'GetInfo' ? { status, infoValue: new T.TGetInfoValue({ stringValue: '' }) } : { status }));
    };
  }
  return handlers;
}
