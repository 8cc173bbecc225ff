import assert from 'node:assert/strict';
import { test } from 'node:test';
import { applyFaultSettings, FAULT_SETTINGS, type DatabricksFaults } from '../../../lib/emulators/databricks';

const fresh = (): DatabricksFaults => ({ coldStartCalls: 0, coldStartErrorState: 0, slowStatementMs: 0, missingTables: [], deniedTables: [], errorStateStatements: null });

test('fault settings set every switch from strings', () => {
  const faults = fresh();
  applyFaultSettings(faults, {
    DATABRICKS_EMULATOR_COLD_START_CALLS: '2', DATABRICKS_EMULATOR_COLD_START_ERROR_STATE: '1', DATABRICKS_EMULATOR_SLOW_STATEMENT_MS: '250',
    DATABRICKS_EMULATOR_MISSING_TABLES: 'system.query.history, system.compute.warehouse_events', DATABRICKS_EMULATOR_DENIED_TABLES: 'system.lakeflow.jobs',
    DATABRICKS_EMULATOR_ERROR_STATEMENTS: 'billing\\.usage',
  });
  assert.equal(faults.coldStartCalls, 2);
  assert.equal(faults.coldStartErrorState, 1);
  assert.equal(faults.slowStatementMs, 250);
  assert.deepEqual(faults.missingTables, ['system.query.history', 'system.compute.warehouse_events']);
  assert.deepEqual(faults.deniedTables, ['system.lakeflow.jobs']);
  assert.ok(faults.errorStateStatements?.test('SELECT * FROM system.billing.usage'));
  assert.equal(faults.errorStateStatements?.test('SELECT * FROM system.billing_usage'), false);
});

test('unset settings leave switches alone; a malformed one names the setting, not the value', () => {
  const faults = { ...fresh(), coldStartCalls: 5 };
  applyFaultSettings(faults, { [FAULT_SETTINGS.slowStatementMs]: '' });
  assert.equal(faults.coldStartCalls, 5);
  assert.throws(() => applyFaultSettings(faults, { [FAULT_SETTINGS.coldStartCalls]: 'many-secret' }), (e: Error) => e.message.includes('DATABRICKS_EMULATOR_COLD_START_CALLS') && !e.message.includes('many-secret'));
  assert.throws(() => applyFaultSettings(faults, { [FAULT_SETTINGS.errorStateStatements]: '(' }), /DATABRICKS_EMULATOR_ERROR_STATEMENTS/);
});
