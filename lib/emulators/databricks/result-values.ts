import { DuckDBTypeId, type DuckDBType } from '@duckdb/node-api';

/** How a result column travels on the wire (see thrift-service.ts). */
export type ColumnKind = 'boolean' | 'int' | 'bigint' | 'double' | 'decimal' | 'string' | 'timestamp' | 'date' | 'complex';

export interface ResultColumn {
  name: string;
  kind: ColumnKind;
  /** DECIMAL precision and scale. */
  precision?: number;
  scale?: number;
  /** For complex columns: which Databricks type. */
  complex?: 'ARRAY' | 'MAP' | 'STRUCT';
}

export type CellValue = number | boolean | string | null;

export function columnOf(name: string, type: DuckDBType): ResultColumn {
  switch (type.typeId) {
    case DuckDBTypeId.BOOLEAN: return { name, kind: 'boolean' };
    case DuckDBTypeId.TINYINT: case DuckDBTypeId.SMALLINT: case DuckDBTypeId.INTEGER:
    case DuckDBTypeId.UTINYINT: case DuckDBTypeId.USMALLINT: return { name, kind: 'int' };
    case DuckDBTypeId.BIGINT: case DuckDBTypeId.HUGEINT: case DuckDBTypeId.UINTEGER: case DuckDBTypeId.UBIGINT:
    case DuckDBTypeId.UHUGEINT: return { name, kind: 'bigint' };
    case DuckDBTypeId.FLOAT: case DuckDBTypeId.DOUBLE: return { name, kind: 'double' };
    case DuckDBTypeId.DECIMAL: return { name, kind: 'decimal', precision: Math.min(38, type.width), scale: type.scale };
    case DuckDBTypeId.TIMESTAMP: case DuckDBTypeId.TIMESTAMP_TZ: case DuckDBTypeId.TIMESTAMP_MS: case DuckDBTypeId.TIMESTAMP_S:
    case DuckDBTypeId.TIMESTAMP_NS: return { name, kind: 'timestamp' };
    case DuckDBTypeId.DATE: return { name, kind: 'date' };
    case DuckDBTypeId.LIST: case DuckDBTypeId.ARRAY: return { name, kind: 'complex', complex: 'ARRAY' };
    case DuckDBTypeId.STRUCT: return { name, kind: 'complex', complex: 'STRUCT' };
    case DuckDBTypeId.MAP: return { name, kind: 'complex', complex: 'MAP' };
    default: return { name, kind: 'string' };
  }
}

/** A value from DuckDB's `getRowsJson()` as Databricks JSON-encodes it inside complex columns. */
function toJsonValue(value: unknown, type: DuckDBType): unknown {
  if (value === null || value === undefined) return null;
  switch (type.typeId) {
    case DuckDBTypeId.BIGINT: case DuckDBTypeId.HUGEINT: case DuckDBTypeId.UBIGINT: case DuckDBTypeId.UHUGEINT:
    case DuckDBTypeId.DECIMAL:
      return Number(value);
    case DuckDBTypeId.LIST: case DuckDBTypeId.ARRAY:
      return Array.isArray(value) ? value.map((v) => toJsonValue(v, type.valueType)) : value;
    case DuckDBTypeId.STRUCT: {
      const obj = value as Record<string, unknown>;
      return Object.fromEntries(type.entryNames.map((n, i) => [n, toJsonValue(obj[n], type.entryTypes[i]!)]));
    }
    case DuckDBTypeId.MAP: {
      const entries = Array.isArray(value) ? (value as Array<{ key: unknown; value: unknown }>) : [];
      return Object.fromEntries(entries.map((e) => [String(toJsonValue(e.key, type.keyType)), toJsonValue(e.value, type.valueType)]));
    }
    default:
      return value;
  }
}

/** A cell as the emulator sends it: numbers, booleans, text (DECIMAL exact, timestamps `YYYY-MM-DD HH:MM:SS[.ffffff]`), JSON text for complex values. */
export function cellOf(value: unknown, column: ResultColumn, type: DuckDBType): CellValue {
  if (value === null || value === undefined) return null;
  switch (column.kind) {
    case 'boolean': return value === true;
    case 'int': case 'bigint': case 'double': return Number(value);
    case 'complex': return JSON.stringify(toJsonValue(value, type));
    case 'timestamp': return String(value).replace(/([+-]\d\d(:\d\d)?)$/, '');
    default: return typeof value === 'string' ? value : JSON.stringify(value);
  }
}
