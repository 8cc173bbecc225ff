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

/** Setting names for `applyFaultSettings` (environment variables of `lakepulse emulate`, or CLI flags mapped onto them). */
export const FAULT_SETTINGS = {
  coldStartCalls: 'DATABRICKS_EMULATOR_COLD_START_CALLS',
  coldStartErrorState: 'DATABRICKS_EMULATOR_COLD_START_ERROR_STATE',
  slowStatementMs: 'DATABRICKS_EMULATOR_SLOW_STATEMENT_MS',
  missingTables: 'DATABRICKS_EMULATOR_MISSING_TABLES',
  deniedTables: 'DATABRICKS_EMULATOR_DENIED_TABLES',
  errorStateStatements: 'DATABRICKS_EMULATOR_ERROR_STATEMENTS',
} as const;

/**
 * Sets fault switches from string settings (numbers; comma-separated table lists; a regular expression). Unset or
 * empty settings leave a switch alone. Throws an Error naming the setting (never its value) when one is malformed.
 */
export function applyFaultSettings(faults: DatabricksFaults, settings: Readonly<Record<string, string | undefined>>): void {
  const count = (name: string): number | undefined => {
    const raw = settings[name]?.trim();
    if (!raw) return undefined;
    if (!/^\d+$/.test(raw)) throw new Error(`${name} must be a whole number`);
    return Number(raw);
  };
  const list = (name: string): string[] | undefined => {
    const raw = settings[name]?.trim();
    return raw ? raw.split(',').map((t) => t.trim()).filter((t) => t !== '') : undefined;
  };
  faults.coldStartCalls = count(FAULT_SETTINGS.coldStartCalls) ?? faults.coldStartCalls;
  faults.coldStartErrorState = count(FAULT_SETTINGS.coldStartErrorState) ?? faults.coldStartErrorState;
  faults.slowStatementMs = count(FAULT_SETTINGS.slowStatementMs) ?? faults.slowStatementMs;
  faults.missingTables = list(FAULT_SETTINGS.missingTables) ?? faults.missingTables;
  faults.deniedTables = list(FAULT_SETTINGS.deniedTables) ?? faults.deniedTables;
  const pattern = settings[FAULT_SETTINGS.errorStateStatements]?.trim();
  if (pattern) {
    try {
      faults.errorStateStatements = new RegExp(pattern);
    } catch {
      throw new Error(`${FAULT_SETTINGS.errorStateStatements} must be a regular expression`);
    }
  }
}
