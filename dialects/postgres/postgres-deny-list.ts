// What a SQL trait may not call or read on Postgres, in one place (SPEC §4). Functions that reach
// files, the network, settings or the server itself, or that run SQL given as a string; catalogs
// that describe the server rather than the warehouse's data. Names are compared lower case and
// unqualified (pg_catalog.pg_read_file is pg_read_file).

import { denyList } from '../../src/warehouse/sql-parser.js';

const FUNCTIONS: Readonly<Record<string, string>> = {
  // files
  pg_read_file: 'reads server files', pg_read_binary_file: 'reads server files', pg_ls_dir: 'lists server folders',
  pg_stat_file: 'reads server files', pg_ls_logdir: 'lists server folders', pg_ls_waldir: 'lists server folders',
  pg_ls_tmpdir: 'lists server folders', pg_ls_archive_statusdir: 'lists server folders', pg_ls_logicalmapdir: 'lists server folders',
  pg_ls_logicalsnapdir: 'lists server folders', pg_ls_replslotdir: 'lists server folders', pg_ls_summariesdir: 'lists server folders',
  pg_current_logfile: 'reads server files', pg_file_write: 'writes server files', pg_file_rename: 'writes server files',
  pg_file_unlink: 'writes server files', pg_file_sync: 'writes server files', loread: 'reads large objects', lowrite: 'writes large objects',
  // settings
  set_config: 'changes settings', current_setting: 'reads settings', pg_show_all_settings: 'reads settings',
  pg_reload_conf: 'reloads the server configuration', pg_settings_get_flags: 'reads settings',
  // the server
  pg_sleep: 'holds the server', pg_sleep_for: 'holds the server', pg_sleep_until: 'holds the server',
  pg_terminate_backend: 'stops server sessions', pg_cancel_backend: 'stops server sessions', pg_signal_backend: 'stops server sessions',
  pg_rotate_logfile: 'acts on the server', pg_switch_wal: 'acts on the server', pg_create_restore_point: 'acts on the server',
  pg_promote: 'acts on the server', pg_backup_start: 'acts on the server', pg_backup_stop: 'acts on the server',
  pg_log_backend_memory_contexts: 'acts on the server', pg_notify: 'signals other sessions', pg_logical_emit_message: 'writes the WAL',
  pg_export_snapshot: 'acts on the server', pg_import_system_collations: 'writes the catalog', txid_current: 'starts a write transaction',
  pg_current_xact_id: 'starts a write transaction', nextval: 'writes a sequence', setval: 'writes a sequence',
  pg_stat_reset: 'resets statistics', pg_stat_reset_shared: 'resets statistics', pg_stat_reset_single_table_counters: 'resets statistics',
  // SQL in a string, which no parser sees
  query_to_xml: 'runs SQL given as a string', query_to_xml_and_xmlschema: 'runs SQL given as a string',
  query_to_xmlschema: 'runs SQL given as a string', cursor_to_xml: 'runs SQL given as a string', cursor_to_xmlschema: 'runs SQL given as a string',
  table_to_xml: 'reads tables by name', table_to_xml_and_xmlschema: 'reads tables by name', schema_to_xml: 'reads tables by name',
  database_to_xml: 'reads tables by name', database_to_xml_and_xmlschema: 'reads tables by name',
  // text search functions that take a query as text and run it, tables named inside the string
  ts_stat: 'runs SQL given as a string', ts_rewrite: 'runs SQL given as a string',
};

/**
 * Families named by prefix: large objects, dblink, advisory locks, replication, the stats reset,
 * and last every other pg_* function, which describes or acts on the server (pg_hba_file_rules,
 * pg_config, pg_stat_get_activity's other sessions' queries...): the list above names the reason
 * where it is known, and a new release's pg_* functions are refused before anyone lists them.
 */
const PREFIXES: readonly (readonly [string, string])[] = [
  ['lo_', 'reads or writes large objects'],
  ['dblink', 'reaches the network'],
  ['pg_advisory', 'takes server locks'],
  ['pg_try_advisory', 'takes server locks'],
  ['pg_replication_', 'acts on replication'],
  ['pg_create_', 'acts on the server'],
  ['pg_drop_replication', 'acts on replication'],
  ['pg_logical_', 'acts on replication'],
  ['pg_stat_reset', 'resets statistics'],
  ['pg_ls_', 'lists server folders'],
  ['pg_read_', 'reads server files'],
  ['pg_file_', 'writes server files'],
  ['query_to_xml', 'runs SQL given as a string'],
  ['cursor_to_xml', 'runs SQL given as a string'],
  ['table_to_xml', 'reads tables by name'],
  ['schema_to_xml', 'reads tables by name'],
  ['database_to_xml', 'reads tables by name'],
  ['pg_stat_', 'reads the server\'s sessions and statistics'],
  ['pg_', 'describes or acts on the server'],
];

const SYSTEM_SCHEMAS = new Set(['pg_catalog', 'information_schema', 'pg_toast']);

export const postgresDeniedFunction = denyList(FUNCTIONS, PREFIXES);

export function postgresDeniedRelation(path: readonly string[]): string | null {
  if (path.some((part) => SYSTEM_SCHEMAS.has(part))) return 'is a system catalog';
  // Unqualified pg_* names resolve to pg_catalog (pg_class, pg_authid, pg_settings, pg_largeobject...).
  if (path.length === 1 && path[0].startsWith('pg_')) return 'is a system catalog';
  return null;
}
