import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { DuckDBInstance, type DuckDBConnection } from '@duckdb/node-api';
import { SYSTEM_TABLES } from './schema';
import { cellOf, columnOf, type CellValue, type ResultColumn } from './result-values';
import { clockMacroSql, staticMacroSql } from './sql-functions';
import { DatabricksSqlError, rewriteSql, type StatementParameter } from './sql-rewrite';

export type { ColumnKind, ResultColumn, CellValue } from './result-values';

export interface QueryResult {
  columns: ResultColumn[];
  /** Row-major values: numbers, booleans, strings or null. */
  rows: CellValue[][];
  tables: string[];
}

/**
 * The emulator's SQL engine: DuckDB with the system tables in a catalog called `dbx_system` (DuckDB reserves
 * `system`), loaded from NDJSON. Statements run one at a time on one connection.
 */
export class SystemTablesEngine {
  private queue: Promise<unknown> = Promise.resolve();
  /** The clock the macros were last defined for (they embed it). */
  private macrosAt: number | undefined;

  private constructor(private readonly instance: DuckDBInstance, private readonly connection: DuckDBConnection, private readonly catalog: string) {}

  static async open(dataDir: string, options: { catalog?: string } = {}): Promise<SystemTablesEngine> {
    const instance = await DuckDBInstance.create(':memory:');
    const connection = await instance.connect();
    await connection.run(`SET TimeZone = 'UTC'`);
    await connection.run(`ATTACH ':memory:' AS dbx_system`);
    const schemas = new Set(Object.keys(SYSTEM_TABLES).map((t) => t.split('.')[0]!));
    for (const schema of schemas) await connection.run(`CREATE SCHEMA dbx_system.${schema}`);
    for (const [table, columns] of Object.entries(SYSTEM_TABLES)) {
      const defs = Object.entries(columns).map(([name, type]) => `"${name}" ${type}`).join(', ');
      await connection.run(`CREATE TABLE dbx_system.${table} (${defs})`);
      const file = join(dataDir, `${table}.ndjson`);
      if (!existsSync(file)) continue;
      // Read timestamps as TIMESTAMPTZ so ISO offsets are honoured, then store them as UTC TIMESTAMP.
      const jsonColumns = Object.entries(columns).map(([name, type]) => `'${name}': '${type.replace(/^TIMESTAMP$/, 'TIMESTAMPTZ').replace(/'/g, "''")}'`).join(', ');
      const select = Object.entries(columns).map(([name, type]) => (type === 'TIMESTAMP' ? `CAST("${name}" AS TIMESTAMP) AS "${name}"` : `"${name}"`)).join(', ');
      await connection.run(`INSERT INTO dbx_system.${table} SELECT ${select} FROM read_json('${file.replace(/'/g, "''")}', format = 'newline_delimited', columns = {${jsonColumns}})`);
    }
    return new SystemTablesEngine(instance, connection, options.catalog ?? 'system');
  }

  /** Runs one Databricks SQL statement at the emulator's `nowMs`. Throws DatabricksSqlError. */
  execute(sql: string, nowMs: number, parameters: readonly StatementParameter[] = []): Promise<QueryResult> {
    const run = this.queue.then(() => this.run(sql, nowMs, parameters));
    this.queue = run.catch(() => undefined);
    return run;
  }

  /** Waits for running statements, then releases DuckDB. */
  async close(): Promise<void> {
    await this.queue;
    this.connection.closeSync();
    this.instance.closeSync();
  }

  /** Tables the engine holds, with their row counts (`schema.table`). */
  async tableCounts(): Promise<Record<string, number>> {
    const counts: Record<string, number> = {};
    for (const table of Object.keys(SYSTEM_TABLES)) {
      const reader = await this.connection.runAndReadAll(`SELECT count(*) FROM dbx_system.${table}`);
      counts[table] = Number(reader.getRowsJson()[0]?.[0] ?? 0);
    }
    return counts;
  }

  private async run(sql: string, nowMs: number, parameters: readonly StatementParameter[]): Promise<QueryResult> {
    const rewritten = rewriteSql(sql, { catalog: this.catalog, parameters });
    if (this.macrosAt === undefined) for (const macro of staticMacroSql()) await this.connection.run(macro);
    if (this.macrosAt !== nowMs) {
      for (const macro of clockMacroSql(nowMs)) await this.connection.run(macro);
      this.macrosAt = nowMs;
    }
    let reader;
    try {
      reader = await this.connection.runAndReadAll(rewritten.sql);
    } catch (err) {
      // size() of a map: DuckDB calls it cardinality(); run again with every size() read as a map size.
      if (!/len\(MAP\(/.test(String(err))) throw toDatabricksError(err);
      try {
        reader = await this.connection.runAndReadAll(rewriteSql(sql, { catalog: this.catalog, parameters, sizeOfMaps: true }).sql);
      } catch (again) {
        throw toDatabricksError(again);
      }
    }
    const types = reader.columnTypes();
    const columns = reader.columnNames().map((name, i) => columnOf(name, types[i]!));
    const rows = reader.getRowsJson().map((row) => row.map((v, i) => cellOf(v, columns[i]!, types[i]!)));
    return { columns, rows, tables: rewritten.tables };
  }
}

function toDatabricksError(err: unknown): DatabricksSqlError {
  const message = err instanceof Error ? err.message : String(err);
  if (/Parser Error/i.test(message)) return new DatabricksSqlError('PARSE_SYNTAX_ERROR', `Syntax error: ${message}`, '42601');
  if (/Catalog Error: Table/i.test(message)) return new DatabricksSqlError('TABLE_OR_VIEW_NOT_FOUND', message, '42P01');
  if (/No function matches/i.test(message)) return new DatabricksSqlError('DATATYPE_MISMATCH.UNEXPECTED_INPUT_TYPE', `Cannot resolve the function call due to data type mismatch: ${message}`, '42K09');
  if (/Referenced column|not found in FROM clause|Binder Error/i.test(message)) return new DatabricksSqlError('UNRESOLVED_COLUMN.WITH_SUGGESTION', message, '42703');
  if (/Overflow|Out of Range/i.test(message)) return new DatabricksSqlError('ARITHMETIC_OVERFLOW', message, '22003');
  return new DatabricksSqlError('INTERNAL_ERROR', message, 'XX000');
}
