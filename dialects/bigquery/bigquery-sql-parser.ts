// BigQuery SQL traits: polyglot's BigQuery grammar, and what a SQL trait may not call or read
// there, in one place (SPEC §4): queries given as strings to other systems, the job and
// reservation metadata of INFORMATION_SCHEMA, session and script state.
import type { Dialect as Polyglot } from '@polyglot-sql/sdk';
import { polyglotSqlParser } from '../polyglot-sql-parser.js';

const FUNCTIONS: Readonly<Record<string, string>> = {
  external_query: 'runs SQL on another system', session_user: 'reads the session', vector_search: 'reads tables by name',
  'ml.generate_text': 'calls a remote model', 'ml.generate_embedding': 'calls a remote model', 'ml.predict': 'calls a remote model',
  'ai.generate': 'calls a remote model', appends: 'reads table history by name', changes: 'reads table history by name',
};

export function bigQueryDeniedFunction(name: string): string | null {
  if (Object.hasOwn(FUNCTIONS, name)) return FUNCTIONS[name];
  const bare = name.split('.').at(-1) ?? name;
  if (Object.hasOwn(FUNCTIONS, bare)) return FUNCTIONS[bare];
  if (name.startsWith('ml.') || name.startsWith('ai.')) return 'calls a remote model';
  return null;
}

export function bigQueryDeniedRelation(path: readonly string[]): string | null {
  return path.includes('information_schema') || path.some((part) => part.startsWith('region-')) ? 'is a system catalog' : null;
}

export const bigQuerySqlParser = polyglotSqlParser('bigquery' as Polyglot, bigQueryDeniedFunction, bigQueryDeniedRelation);
