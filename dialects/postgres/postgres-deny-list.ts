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
  // the server and the session described (found by an audit on 5 December: each passed the gate)
  version: 'describes the server', inet_server_addr: 'describes the server', inet_server_port: 'describes the server',
  inet_client_addr: 'describes the session', inet_client_port: 'describes the session', current_database: 'describes the server',
  current_schema: 'describes the session', current_schemas: 'describes the session', row_security_active: 'describes the server',
  amvalidate: 'reads the catalog', obj_description: 'reads the catalog', col_description: 'reads the catalog',
  shobj_description: 'reads the catalog', currtid2: 'reads tables by name', setseed: 'changes the session',
  currval: 'reads a sequence', lastval: 'reads a sequence',
  has_any_column_privilege: 'describes privileges', has_column_privilege: 'describes privileges', has_database_privilege: 'describes privileges',
  has_foreign_data_wrapper_privilege: 'describes privileges', has_function_privilege: 'describes privileges',
  has_language_privilege: 'describes privileges', has_largeobject_privilege: 'describes privileges', has_parameter_privilege: 'describes privileges',
  has_schema_privilege: 'describes privileges', has_sequence_privilege: 'describes privileges', has_server_privilege: 'describes privileges',
  has_table_privilege: 'describes privileges', has_tablespace_privilege: 'describes privileges', has_type_privilege: 'describes privileges',
  // storage inspection of the pageinspect, amcheck and pgstattuple extensions
  get_raw_page: "reads the server's storage", page_header: "reads the server's storage", page_checksum: "reads the server's storage",
  heap_page_items: "reads the server's storage", heap_page_item_attrs: "reads the server's storage", tuple_data_split: "reads the server's storage",
  heap_tuple_infomask_flags: "reads the server's storage", fsm_page_contents: "reads the server's storage", verify_heapam: "reads the server's storage",
  hash_page_items: "reads the server's storage", hash_page_stats: "reads the server's storage", hash_page_type: "reads the server's storage",
  hash_metapage_info: "reads the server's storage", hash_bitmap_info: "reads the server's storage", pgrowlocks: "reads other sessions' locks",
  // SQL in a string, which no parser sees
  query_to_xml: 'runs SQL given as a string', query_to_xml_and_xmlschema: 'runs SQL given as a string',
  query_to_xmlschema: 'runs SQL given as a string', cursor_to_xml: 'runs SQL given as a string', cursor_to_xmlschema: 'runs SQL given as a string',
  table_to_xml: 'reads tables by name', table_to_xml_and_xmlschema: 'reads tables by name', schema_to_xml: 'reads tables by name',
  database_to_xml: 'reads tables by name', database_to_xml_and_xmlschema: 'reads tables by name',
  // text search functions that take a query as text and run it, tables named inside the string
  ts_stat: 'runs SQL given as a string', ts_rewrite: 'runs SQL given as a string',
};

/**
 * Families named by prefix: index maintenance and inspection, transaction ids, catalog lookups by
 * name, large objects, dblink, advisory locks, replication, the stats reset,
 * and last every other pg_* function, which describes or acts on the server (pg_hba_file_rules,
 * pg_config, pg_stat_get_activity's other sessions' queries...): the list above names the reason
 * where it is known, and a new release's pg_* functions are refused before anyone lists them.
 */
const PREFIXES: readonly (readonly [string, string])[] = [
  // Index maintenance writes even inside the READ ONLY transaction (brin_summarize_new_values,
  // brin_summarize_range, brin_desummarize_range, gin_clean_pending_list); the rest of each family
  // inspects index pages (pageinspect, amcheck).
  ['brin_', 'maintains or inspects an index'],
  ['gin_', 'maintains or inspects an index'],
  ['gist_page', 'inspects an index'],
  ['bt_', 'inspects an index'],
  ['pgstat', "reads the server's storage"],
  ['txid_', 'reads or starts transactions'],
  ['binary_upgrade_', 'acts on the server'],
  ['plpgsql_', 'acts on the catalog'],
  ['to_reg', 'reads the catalog'],
  ['postgres_fdw', 'reaches the network'],
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
