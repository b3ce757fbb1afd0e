// Postgres types -> quorum's logical types, by information_schema name and by type OID (what a
// result description carries). https://www.postgresql.org/docs/current/datatype.html
import type { LogicalType } from '../../src/warehouse/catalog.js';

export function postgresLogicalType(dataType: string): LogicalType {
  const t = dataType.toLowerCase();
  if (t === 'array' || t.endsWith('[]')) return 'list';
  if (/^(smallint|integer|bigint|int[248]?)$/.test(t)) return 'integer';
  if (/^(numeric|decimal|real|double precision|float[48]?)/.test(t)) return 'number';
  if (t === 'boolean' || t === 'bool') return 'boolean';
  if (t.startsWith('timestamp') || t === 'date') return 'timestamp';
  if (/^(text|character varying|varchar|character|char|bpchar|uuid|json|jsonb|citext|name)/.test(t)) return 'string';
  return 'unknown';
}

/** pg_type OIDs of the built-in types (src/include/catalog/pg_type.dat). */
const OIDS: Readonly<Record<number, LogicalType>> = {
  16: 'boolean',
  20: 'integer',
  21: 'integer',
  23: 'integer',
  700: 'number',
  701: 'number',
  1700: 'number',
  18: 'string',
  19: 'string',
  25: 'string',
  114: 'string',
  1042: 'string',
  1043: 'string',
  2950: 'string',
  3802: 'string',
  1082: 'timestamp',
  1114: 'timestamp',
  1184: 'timestamp',
  1009: 'list',
  1015: 'list',
  1000: 'list',
  1005: 'list',
  1007: 'list',
  1016: 'list',
  1021: 'list',
  1022: 'list',
  1231: 'list',
};

export function postgresOidLogicalType(oid: number): LogicalType {
  return OIDS[oid] ?? 'unknown';
}
