import { DatabricksSqlError } from './sql-error';

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

export function noFaults(): DatabricksFaults {
  return { coldStartCalls: 0, coldStartErrorState: 0, slowStatementMs: 0, missingTables: [], deniedTables: [], errorStateStatements: null };
}

/**
 * The error a statement reading `tables` (`schema.table`) gets from the missing/denied switches, in Databricks' text.
 * Switch entries may name the catalog as `system` or as the one the SQL uses.
 */
export function tableFault(faults: DatabricksFaults, catalog: string, tables: readonly string[]): DatabricksSqlError | undefined {
  const match = (list: readonly string[]) => {
    for (const t of tables) {
      const hit = list.find((entry) => [`${catalog}.${t}`, `system.${t}`].includes(entry.toLowerCase()));
      if (hit) return `${catalog}.${t}`;
    }
    return undefined;
  };
  const missing = match(faults.missingTables);
  if (missing) {
    const quoted = `\`${missing.split('.').join('`.`')}\``;
    return new DatabricksSqlError('TABLE_OR_VIEW_NOT_FOUND', `The table or view ${quoted} cannot be found. Verify the spelling and correctness of the schema and catalog.\nIf you did not qualify the name with a schema, verify the current_schema() output, or qualify the name with the correct schema and catalog.\nTo tolerate the error on drop use DROP VIEW IF EXISTS or DROP TABLE IF EXISTS.`, '42P01');
  }
  const denied = match(faults.deniedTables);
  if (denied) return new DatabricksSqlError('INSUFFICIENT_PERMISSIONS', `Insufficient privileges:\nUser does not have SELECT on Table '${denied}'.`, '42501');
  return undefined;
}
