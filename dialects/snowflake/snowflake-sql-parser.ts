// Snowflake SQL traits: polyglot's Snowflake grammar, and what a SQL trait may not call or read
// there, in one place (SPEC §4): SYSTEM$ functions, stages and files, external functions, the
// account's metadata (SNOWFLAKE.ACCOUNT_USAGE, INFORMATION_SCHEMA and its table functions).
import type { Dialect as Polyglot } from '@polyglot-sql/sdk';
import { polyglotSqlParser, type DeniedCall } from '../polyglot-sql-parser.js';

const FUNCTIONS: Readonly<Record<string, string>> = {
  get_ddl: 'reads the account metadata', get_stage_location: 'reads stages', get_presigned_url: 'reads stages',
  build_scoped_file_url: 'reads stages', build_stage_file_url: 'reads stages', get_absolute_path: 'reads stages',
  get_relative_path: 'reads stages', infer_schema: 'reads stage files', result_scan: 'reads other queries\' results',
  current_account: 'reads the account', current_role: 'reads the session', current_user: 'reads the session',
  current_session: 'reads the session', current_ip_address: 'reads the session', current_available_roles: 'reads the session',
  is_role_in_session: 'reads the session', query_history: 'reads the account metadata', login_history: 'reads the account metadata',
  identifier: 'reads a table named in a string', to_query: 'runs SQL given as a string', directory: 'reads stages',
  get_query_operator_stats: "reads other queries' results",
};

/**
 * TABLE(...) reads a table function's rows (TABLE(FLATTEN(...)), TABLE(GENERATOR(...))), whose
 * call is checked on its own, or a table named by a string or a variable, which no parser sees.
 */
const snowflakeDeniedCall: DeniedCall = (name, args) =>
  name === 'table' && !(args.length === 1 && typeof (args[0].function as { name?: unknown } | undefined)?.name === 'string') ? 'reads a table named in a string' : null;

export function snowflakeDeniedFunction(name: string): string | null {
  const bare = name.split('.').at(-1) ?? name;
  if (bare.startsWith('system$')) return 'acts on the account';
  if (name.includes('information_schema')) return 'reads the account metadata';
  if (bare.startsWith('query_history') || bare.startsWith('login_history') || bare.endsWith('_history')) return 'reads the account metadata';
  return Object.hasOwn(FUNCTIONS, bare) ? FUNCTIONS[bare] : null;
}

export function snowflakeDeniedRelation(path: readonly string[]): string | null {
  if (path.includes('information_schema') || path.includes('account_usage') || path.includes('organization_usage') || path[0] === 'snowflake') return 'is a system catalog';
  // @stage references read files.
  if (path.some((part) => part.startsWith('@'))) return 'is a stage (files)';
  return null;
}

export const snowflakeSqlParser = polyglotSqlParser('snowflake' as Polyglot, snowflakeDeniedFunction, snowflakeDeniedRelation, snowflakeDeniedCall);
