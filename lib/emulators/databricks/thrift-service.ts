import { randomUUID } from 'node:crypto';
import { thrift as databricksThrift } from '@databricks/sql';
import type { QueryResult, SystemTablesEngine } from './engine';
import { DatabricksSqlError } from './sql-rewrite';

/* The driver's own generated Thrift code (TCLIService and its types) serves as the server side too. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
const T = (databricksThrift as any).TCLIService_types as Record<string, any>;

/** Fault switches, changed by tests while the emulator runs. */
export interface DatabricksFaults {
  /** The next N Thrift calls answer HTTP 503 (warehouse starting). */
  coldStartCalls: number;
  /** The next N ExecuteStatements answer ERROR_STATUS inside HTTP 200 with a cold-start message. */
  coldStartErrorState: number;
  /** Delay of every ExecuteStatement. */
  slowStatementMs: number;
  /** `system.schema.table` names answering TABLE_OR_VIEW_NOT_FOUND. */
  missingTables: string[];
  /** `system.schema.table` names answering INSUFFICIENT_PERMISSIONS. */
  deniedTables: string[];
  /** Statements matching this answer ERROR_STATE inside HTTP 200. */
  errorStateStatements: RegExp | null;
}

export interface DatabricksStats {
  statements: number;
  sqlLog: string[];
  userAgents: string[];
  calls: Record<string, number>;
  /** Session configuration of the last OpenSession (e.g. STATEMENT_TIMEOUT). */
  sessionConfiguration: Record<string, string>;
}

interface Operation {
  result?: QueryResult;
  error?: DatabricksSqlError;
  offset: number;
}

const status = () => new T.TStatus({ statusCode: T.TStatusCode.SUCCESS_STATUS });
const handleId = () => new T.THandleIdentifier({ guid: Buffer.from(randomUUID().replace(/-/g, ''), 'hex'), secret: Buffer.from(randomUUID().replace(/-/g, ''), 'hex') });
const key = (h: { operationId?: { guid?: Buffer } } | undefined) => h?.operationId?.guid?.toString('hex') ?? '';

export interface ServiceContext {
  engine: SystemTablesEngine;
  faults: DatabricksFaults;
  stats: DatabricksStats;
  pageSize: number;
  now: () => number;
  catalog: string;
  userAgent: string;
}

/** TCLIService handlers: sessions, statements with and without direct results, paged fetches, errors as Databricks sends them. */
export function createHandler(ctx: ServiceContext): Record<string, (req: any, cb: (err: unknown, res?: unknown) => void) => void> {
  const operations = new Map<string, Operation>();
  const schemaOf = (r: QueryResult) =>
    new T.TTableSchema({
      columns: r.columns.map((c, i) => new T.TColumnDesc({
        columnName: c.name,
        typeDesc: new T.TTypeDesc({ types: [new T.TTypeEntry({ primitiveEntry: new T.TPrimitiveTypeEntry({ type: c.kind === 'double' ? T.TTypeId.DOUBLE_TYPE : c.kind === 'boolean' ? T.TTypeId.BOOLEAN_TYPE : T.TTypeId.STRING_TYPE }) })] }),
        position: i + 1,
      })),
    });
  const rowSet = (r: QueryResult, offset: number) => {
    const rows = r.rows.slice(offset, offset + ctx.pageSize);
    const columns = r.columns.map((c, ci) => {
      const nulls = Buffer.alloc(Math.ceil(rows.length / 8));
      const values = rows.map((row, ri) => {
        const v = row[ci];
        if (v === null || v === undefined) {
          nulls[ri >> 3]! |= 1 << (ri & 7);
          return c.kind === 'double' ? 0 : c.kind === 'boolean' ? false : '';
        }
        return v;
      });
      if (c.kind === 'double') return new T.TColumn({ doubleVal: new T.TDoubleColumn({ values, nulls }) });
      if (c.kind === 'boolean') return new T.TColumn({ boolVal: new T.TBoolColumn({ values, nulls }) });
      return new T.TColumn({ stringVal: new T.TStringColumn({ values, nulls }) });
    });
    return { set: new T.TRowSet({ startRowOffset: offset, rows: [], columns }), next: offset + rows.length, more: offset + rows.length < r.rows.length };
  };
  const operationStatus = (op: Operation) =>
    op.error
      ? new T.TGetOperationStatusResp({ status: status(), operationState: T.TOperationState.ERROR_STATE, errorMessage: op.error.message, displayMessage: op.error.message, sqlState: op.error.sqlState, hasResultSet: true })
      : new T.TGetOperationStatusResp({ status: status(), operationState: T.TOperationState.FINISHED_STATE, hasResultSet: true });
  const count = (name: string) => (ctx.stats.calls[name] = (ctx.stats.calls[name] ?? 0) + 1);

  return {
    OpenSession(req, cb) {
      count('OpenSession');
      ctx.stats.sessionConfiguration = { ...(req.configuration ?? {}) };
      cb(null, new T.TOpenSessionResp({ status: status(), serverProtocolVersion: T.TProtocolVersion.SPARK_CLI_SERVICE_PROTOCOL_V8, sessionHandle: new T.TSessionHandle({ sessionId: handleId() }), configuration: {} }));
    },
    CloseSession(_req, cb) {
      count('CloseSession');
      cb(null, new T.TCloseSessionResp({ status: status() }));
    },
    ExecuteStatement(req, cb) {
      count('ExecuteStatement');
      const sql = String(req.statement ?? '');
      ctx.stats.statements += 1;
      ctx.stats.sqlLog.push(sql);
      ctx.stats.userAgents.push(ctx.userAgent);
      if (ctx.faults.coldStartErrorState > 0) {
        ctx.faults.coldStartErrorState -= 1;
        const message = "Couldn't create directory /local_disk0/tmp/: the SQL warehouse is starting. Try again shortly.";
        return cb(null, new T.TExecuteStatementResp({ status: new T.TStatus({ statusCode: T.TStatusCode.ERROR_STATUS, errorMessage: message, sqlState: 'XX000' }) }));
      }
      const finish = async () => {
        const op: Operation = { offset: 0 };
        const denied = (list: string[], tables: string[]) => list.find((t) => tables.some((x) => `${ctx.catalog}.${x}`.toLowerCase() === t.toLowerCase()));
        try {
          const result = await ctx.engine.execute(sql, ctx.now());
          const missing = denied(ctx.faults.missingTables, result.tables);
          const forbidden = denied(ctx.faults.deniedTables, result.tables);
          if (missing) op.error = new DatabricksSqlError('TABLE_OR_VIEW_NOT_FOUND', `The table or view \`${missing.split('.').join('`.`')}\` cannot be found. Verify the spelling and correctness of the schema and catalog.\nIf you did not qualify the name with a schema, verify the current_schema() output, or qualify the name with the correct schema and catalog.`, '42P01');
          else if (forbidden) op.error = new DatabricksSqlError('INSUFFICIENT_PERMISSIONS', `Insufficient privileges:\nUser does not have SELECT on Table '${forbidden}'.`, '42501');
          else if (ctx.faults.errorStateStatements?.test(sql)) op.error = new DatabricksSqlError('INTERNAL_ERROR', 'Injected failure while executing the statement.', 'XX000');
          else op.result = result;
        } catch (err) {
          op.error = err instanceof DatabricksSqlError ? err : new DatabricksSqlError('INTERNAL_ERROR', String(err), 'XX000');
        }
        const operationHandle = new T.TOperationHandle({ operationId: handleId(), operationType: T.TOperationType.EXECUTE_STATEMENT, hasResultSet: true });
        operations.set(key(operationHandle), op);
        if (!req.getDirectResults) return cb(null, new T.TExecuteStatementResp({ status: status(), operationHandle }));
        const directResults: Record<string, unknown> = { operationStatus: operationStatus(op) };
        if (op.result) {
          const page = rowSet(op.result, 0);
          op.offset = page.next;
          directResults.resultSetMetadata = new T.TGetResultSetMetadataResp({ status: status(), schema: schemaOf(op.result), resultFormat: T.TSparkRowSetType.COLUMN_BASED_SET });
          directResults.resultSet = new T.TFetchResultsResp({ status: status(), hasMoreRows: page.more, results: page.set });
          if (!page.more) {
            directResults.closeOperation = new T.TCloseOperationResp({ status: status() });
            operations.delete(key(operationHandle));
          }
        }
        cb(null, new T.TExecuteStatementResp({ status: status(), operationHandle, directResults: new T.TSparkDirectResults(directResults) }));
      };
      const delay = ctx.faults.slowStatementMs;
      if (delay > 0) setTimeout(() => void finish().catch(cb), delay);
      else void finish().catch(cb);
    },
    GetOperationStatus(req, cb) {
      count('GetOperationStatus');
      const op = operations.get(key(req.operationHandle));
      if (!op) return cb(null, new T.TGetOperationStatusResp({ status: status(), operationState: T.TOperationState.CLOSED_STATE }));
      cb(null, operationStatus(op));
    },
    GetResultSetMetadata(req, cb) {
      count('GetResultSetMetadata');
      const op = operations.get(key(req.operationHandle));
      if (!op?.result) return cb(null, new T.TGetResultSetMetadataResp({ status: new T.TStatus({ statusCode: T.TStatusCode.ERROR_STATUS, errorMessage: op?.error?.message ?? 'Invalid OperationHandle' }) }));
      cb(null, new T.TGetResultSetMetadataResp({ status: status(), schema: schemaOf(op.result), resultFormat: T.TSparkRowSetType.COLUMN_BASED_SET }));
    },
    FetchResults(req, cb) {
      count('FetchResults');
      const op = operations.get(key(req.operationHandle));
      if (!op?.result) return cb(null, new T.TFetchResultsResp({ status: new T.TStatus({ statusCode: T.TStatusCode.ERROR_STATUS, errorMessage: op?.error?.message ?? 'Invalid OperationHandle' }) }));
      const page = rowSet(op.result, op.offset);
      op.offset = page.next;
      cb(null, new T.TFetchResultsResp({ status: status(), hasMoreRows: page.more, results: page.set }));
    },
    CloseOperation(req, cb) {
      count('CloseOperation');
      operations.delete(key(req.operationHandle));
      cb(null, new T.TCloseOperationResp({ status: status() }));
    },
    CancelOperation(req, cb) {
      count('CancelOperation');
      operations.delete(key(req.operationHandle));
      cb(null, new T.TCancelOperationResp({ status: status() }));
    },
  };
}
