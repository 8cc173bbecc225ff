import { DatabricksSqlError } from './sql-error';

/** One statement parameter as the driver sends it at protocol V8 (`TSparkParameter`). */
export interface StatementParameter {
  /** Null for ordinal (`?`) parameters. */
  name: string | null;
  type: string;
  /** Null for a NULL value. */
  value: string | null;
}

const NUMBER = /^[-+]?(\d+(\.\d*)?|\.\d+)([eE][-+]?\d+)?$/;
const INTEGER = /^[-+]?\d+$/;

const quote = (s: string) => `'${s.replace(/'/g, "''")}'`;

function invalid(p: StatementParameter): DatabricksSqlError {
  return new DatabricksSqlError('INVALID_PARAMETER_VALUE', `The value of parameter ${p.name ?? '?'} cannot be read as ${p.type}.`, '22023');
}

/** The parameter as a DuckDB literal of the type the driver declared. */
export function parameterLiteral(p: StatementParameter): string {
  const type = p.type.toUpperCase();
  const duck = ({ INTEGER: 'INTEGER', INT: 'INTEGER', BIGINT: 'BIGINT', SMALLINT: 'SMALLINT', TINYINT: 'TINYINT', DOUBLE: 'DOUBLE', FLOAT: 'FLOAT', DECIMAL: 'DECIMAL(38,10)', STRING: 'VARCHAR', BOOLEAN: 'BOOLEAN', DATE: 'DATE', TIMESTAMP: 'TIMESTAMP', TIMESTAMP_NTZ: 'TIMESTAMP', TIMESTAMP_LTZ: 'TIMESTAMP', VOID: 'VARCHAR' } as Record<string, string>)[type];
  if (duck === undefined) throw new DatabricksSqlError('UNSUPPORTED_FEATURE', `Parameters of type ${p.type} are not supported by the emulator.`, '0A000');
  if (p.value === null || type === 'VOID') return `CAST(NULL AS ${duck})`;
  const v = p.value;
  switch (type) {
    case 'INTEGER': case 'INT': case 'BIGINT': case 'SMALLINT': case 'TINYINT':
      if (!INTEGER.test(v)) throw invalid(p);
      return `CAST(${v} AS ${duck})`;
    case 'DOUBLE': case 'FLOAT': case 'DECIMAL':
      if (!NUMBER.test(v)) throw invalid(p);
      return `CAST(${quote(v)} AS ${duck})`;
    case 'BOOLEAN':
      if (!/^(true|false)$/i.test(v)) throw invalid(p);
      return v.toUpperCase();
    case 'DATE':
      if (!/^\d{4}-\d{2}-\d{2}/.test(v)) throw invalid(p);
      return `DATE ${quote(v.slice(0, 10))}`;
    case 'TIMESTAMP': case 'TIMESTAMP_NTZ': case 'TIMESTAMP_LTZ':
      if (Number.isNaN(Date.parse(v))) throw invalid(p);
      return `CAST(TIMESTAMPTZ ${quote(v)} AS TIMESTAMP)`;
    default:
      return quote(v);
  }
}

/** Parameters of one statement, looked up by `:name` or consumed in order by `?`. */
export class ParameterBinding {
  private next = 0;
  private readonly named = new Map<string, StatementParameter>();
  private readonly ordinal: StatementParameter[] = [];

  constructor(parameters: readonly StatementParameter[]) {
    for (const p of parameters) {
      if (p.name) this.named.set(p.name.toLowerCase(), p);
      else this.ordinal.push(p);
    }
  }

  byName(name: string): string {
    const p = this.named.get(name.toLowerCase());
    if (!p) throw new DatabricksSqlError('UNBOUND_SQL_PARAMETER', `Found the unbound parameter: ${name}. Please, fix \`args\` and provide a mapping of the parameter to either a SQL literal or collection constructor functions such as \`map()\`, \`array()\`, \`struct()\`.`, '42P02');
    return parameterLiteral(p);
  }

  byPosition(): string {
    const p = this.ordinal[this.next];
    if (!p) throw new DatabricksSqlError('UNBOUND_SQL_PARAMETER', `Found the unbound parameter: _${this.next + 1}. Please, fix \`args\` and provide a mapping of the parameter to either a SQL literal or collection constructor functions such as \`map()\`, \`array()\`, \`struct()\`.`, '42P02');
    this.next += 1;
    return parameterLiteral(p);
  }
}
