// The formatters of the codes a run can meet after the definitions are read: the warehouse, the
// state schema, delivery, the project folder, the file system and the command line.
import type { ConnectCause } from './message-parameters.js';
import { assertNever } from './assert-never.js';
import type { Formatters } from './messages-input.js';

const CAUSE_WORDS: Readonly<Record<ConnectCause, string>> = {
  dns: 'DNS lookup failed (the host name does not resolve)',
  refused: 'connection refused (nothing listens on that host and port)',
  authentication: 'authentication failed',
  tls: 'the TLS handshake failed',
  timeout: 'timed out',
  network: 'network error',
};

const CAUSE_HINTS: Readonly<Record<ConnectCause, string>> = {
  dns: 'check the host name (or account identifier) in quorum.yml, and that this machine can resolve it',
  refused: 'check the host and port in quorum.yml, and that the server is running and accepts connections from here',
  authentication: 'check the user name and the password, key or token in quorum.yml (usually from ${VAR}s)',
  tls: "check the server's certificate and the TLS settings (e.g. sslmode in a Postgres URL)",
  timeout: 'check the network path to the warehouse (firewall, VPN), or raise warehouse.connect_timeout in quorum.yml',
  network: 'check the network path to the warehouse',
};

const VALIDATE_AGAINST_WAREHOUSE = 'run `quorum validate` to check the definitions against the warehouse';

type RunCode =
  | 'warehouse_unreachable'
  | 'warehouse_error'
  | 'unsupported_feature'
  | 'duplicate_key'
  | 'value_not_json'
  | 'missing_env'
  | 'state_locked'
  | 'state_damaged'
  | 'state_newer'
  | 'mass_exit'
  | 'delivery_failed'
  | 'call_too_large'
  | 'not_a_project'
  | 'file_system'
  | 'internal_error'
  | 'usage';

export const RUN_MESSAGES: Formatters<RunCode> = {
  warehouse_unreachable: (p) => {
    switch (p.rule) {
      case 'connect':
        return p.cause === null
          ? {
              message: `cannot connect to ${p.target}: ${p.detail}`,
              hint: p.fix ?? 'check the warehouse settings in quorum.yml and that the warehouse is up',
            }
          : { message: `cannot connect to ${p.target}: ${CAUSE_WORDS[p.cause]} (${p.detail}).`, hint: p.fix ?? CAUSE_HINTS[p.cause] };
      case 'no_connector':
        return {
          message: `warehouse type "${p.type}" has no connector in this build of quorum`,
          hint: 'use a supported warehouse type, or `quorum compile --dialect` to print its SQL',
        };
      case 'no_database':
        return { message: `${p.target} has no such database: ${p.detail}`, hint: p.fix };
      case 'missing_file':
        return {
          message: `the ${p.warehouse} warehouse file ${p.path} does not exist`,
          hint: 'check warehouse.path in quorum.yml; in the demo project, `quorum init <its folder>` generates its warehouse again and leaves the rest alone',
        };
      default:
        return assertNever(p, 'connect rule');
    }
  },
  warehouse_error: (p) => {
    switch (p.rule) {
      case 'permission':
        return { message: `permission denied on ${p.warehouse}: ${p.detail}`, hint: p.fix };
      case 'timeout':
        return { message: `${p.warehouse} timed out: ${p.detail}`, hint: p.fix };
      case 'out_of_memory':
        return { message: `${p.warehouse} ran out of memory: ${p.detail}`, hint: p.fix };
      case 'rejected':
        return { message: `${p.warehouse} rejected quorum's statement: ${p.detail}`, hint: VALIDATE_AGAINST_WAREHOUSE };
      case 'sql_trait':
        return {
          message: `the warehouse rejected SQL trait "${p.trait}": ${p.detail}`,
          hint: 'run the query by hand in the warehouse and fix it there',
        };
      case 'evaluation':
        return {
          message: `${p.warehouse} could not evaluate quorum's statement: ${p.detail}`,
          hint: 'a SQL trait, or a value compared with a definition\'s literal, does not fit its type; the excerpt names the line (`quorum compile <name>` prints the statement), and running that SQL trait by hand shows the row',
        };
      default:
        return assertNever(p, 'warehouse failure');
    }
  },
  unsupported_feature: (p) => ({ message: `UNSUPPORTED on ${p.warehouse}: ${p.what}`, hint: p.fix }),
  duplicate_key: (p) => ({
    message: `SQL trait "${p.trait}" returned ${p.key} ${JSON.stringify(p.value)} more than once with different values`,
    hint: `make the query return one row per ${p.key} (GROUP BY ${p.key})`,
  }),
  value_not_json: (p) => ({
    message: `trait "${p.trait}" has a value for ${p.key} ${JSON.stringify(p.entity)} that is not JSON: ${p.text}`,
    hint:
      'a number that is not finite (NaN, Infinity) inside a list or an object has no JSON form, and no call can carry it; ' +
      'return null or finite numbers there (docs/semantics.md, "Numbers that are not finite")',
  }),
  missing_env: (p) => ({
    message: `${p.what}: "${p.key}" reads the environment variable ${p.variable}, which is not set.`,
    hint: `set it before running quorum, e.g. export ${p.variable}=...; secrets enter quorum only through \${VAR}`,
  }),
  state_locked: (p) => {
    switch (p.rule) {
      case 'held':
        return {
          message: `another quorum run (${p.holder}) holds the lock on state schema "${p.schema}" until ${p.until}`,
          hint: 'wait for it to finish; a run that died releases the lock when it expires (QUORUM_LOCK_TTL_SECONDS, default 900)',
        };
      case 'lost':
        return {
          message: `run ${p.runId} lost the lock on state schema "${p.schema}" (it expired and another run took it)`,
          hint: 'raise QUORUM_LOCK_TTL_SECONDS above the time a run takes',
        };
      case 'file':
        return {
          message: `another process has the DuckDB database ${p.path} open for writing, so this one cannot open it (${p.detail})`,
          hint: 'wait for the other quorum run (or program) to finish: DuckDB lets one process at a time write a database file, and quorum keeps its state in it',
        };
      default:
        return assertNever(p, 'lock problem');
    }
  },
  state_damaged: (p) => ({
    message: `state schema "${p.schema}" is damaged: ${p.problems.join('; ')}; nothing was sent`,
    hint: '`quorum state repair --from last` recomputes the damaged snapshots without sending anything; `--from empty` makes the next run send every member again (docs/operating.md, "State integrity")',
  }),
  state_newer: (p) => ({
    message: `state schema "${p.schema}" has state format ${p.found}, written by a newer quorum; this one reads format ${p.reads}`,
    hint: 'upgrade quorum to the version that wrote the state',
  }),
  mass_exit: (p) => ({
    message: p.detail ?? p.definition,
    hint: 'check the source tables are fully loaded; if the exits are real, run again with --allow-mass-exit',
  }),
  delivery_failed: (p) => ({
    message: p.detail ?? `destination "${p.destination}" did not take its calls`,
    hint: 'calls the destination did not take stay in the outbox and go out first on the next run (docs/operating.md, "Delivery and the outbox")',
  }),
  call_too_large: (p) => {
    const which = `the ${p.call} call of "${p.definition}" for entity ${JSON.stringify(p.entity)} is ${p.bytes} bytes`;
    const more = p.more === 0 ? 'it was set aside and will never be sent' : `so are ${p.more} more of its calls; they were set aside and will never be sent`;
    return {
      message: `destination "${p.destination}": ${which}, over the ${p.limit}-byte limit of one call; ${more} (rejected_at in the outbox)`,
      hint:
        `make the value of "${p.definition}" smaller (a SQL trait: fewer or shorter columns; a list: fewer or shorter items); ` +
        'the next run then sends the smaller value as a change. Retrying cannot help: the same value makes the same call (docs/operating.md, "Delivery and the outbox")',
    };
  },
  not_a_project: (p) => {
    switch (p.rule) {
      case 'missing_folder':
        return {
          message: `the project folder ${p.dir} does not exist.`,
          hint: `check the path, or run quorum init ${p.dir} to create a demo project there`,
        };
      case 'a_file':
        return { message: `${p.dir} is a file, not a project folder.`, hint: `point --project at the folder that holds ${p.configFile}` };
      case 'config_folder':
        return {
          message: `${p.dir}/${p.configFile} is a folder, not a file.`,
          hint: `quorum reads the project's settings from a file named ${p.configFile}: move the folder away and put the file there (quorum init scaffolds one)`,
        };
      case 'unreadable':
        return {
          message: `${p.dir}/${p.configFile} cannot be read (check its permissions).`,
          hint: 'make it readable by the user running quorum',
        };
      case 'no_config':
        return {
          message: `no ${p.configFile} in ${p.dir}, so this is not a quorum project.`,
          hint: `create ${p.configFile} (quorum init scaffolds one), or point --project at the project's folder`,
        };
      default:
        return assertNever(p.rule, 'project problem');
    }
  },
  file_system: (p) => ({
    message: `cannot ${p.action}${p.path === null ? '' : ` ${p.path}`}: ${p.reason} (${p.errno}).`,
    hint: p.fix,
  }),
  internal_error: (p) => ({
    message: `quorum failed: ${p.detail}`,
    hint: 'this looks like a bug in quorum; please report it with the command you ran (QUORUM_DEBUG=1 prints details)',
  }),
  usage: (p) => ({ message: p.problem, hint: p.fix }),
};
