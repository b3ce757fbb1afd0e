// quorum.yml's `warehouse:` for Snowflake: the account and the settings the driver takes, each
// passed on as written (secrets through ${VAR}).
// https://docs.snowflake.com/en/developer-guide/node-js/nodejs-driver-options
import type { WarehouseConfig } from '../../src/definitions/model.js';
import type { WarehouseConfigSpec } from '../../src/definitions/parse-warehouse.js';

const OPTIONAL_KEYS = {
  username: 'the user name',
  password: 'the password (with authenticator SNOWFLAKE)',
  authenticator: 'SNOWFLAKE (default), SNOWFLAKE_JWT, EXTERNALBROWSER or OAUTH',
  private_key: 'key-pair authentication: the private key (PEM)',
  private_key_path: 'key-pair authentication: the private key file',
  private_key_passphrase: 'the passphrase of an encrypted private key',
  warehouse: 'the virtual warehouse queries run on',
  database: 'the database of unqualified schema names',
  role: 'the role quorum uses',
} as const;

const CREDENTIALS = ['password', 'private_key', 'private_key_passphrase'] as const;

export type SnowflakeSettings = { readonly account: string } & { readonly [K in keyof typeof OPTIONAL_KEYS]?: string };

export interface SnowflakeWarehouse extends WarehouseConfig {
  readonly type: 'snowflake';
  readonly settings: SnowflakeSettings;
}

export const snowflakeConfig: WarehouseConfigSpec<SnowflakeWarehouse> = {
  keys: {
    account: { optional: false, description: 'snowflake: the account identifier' },
    ...Object.fromEntries(Object.entries(OPTIONAL_KEYS).map(([key, text]) => [key, { optional: true, description: `snowflake: ${text}` }])),
  },
  parse(section) {
    const account = section.requiredText('account', 'add account: followed by the account identifier (orgname-accountname)');
    let ok = account !== null;
    const settings: Record<string, string> = account === null ? {} : { account };
    for (const key of Object.keys(OPTIONAL_KEYS)) {
      const value = section.optionalText(key);
      if (value === null) ok = false;
      else if (value !== undefined) settings[key] = value;
    }
    return ok ? { type: 'snowflake', settings: settings as SnowflakeSettings } : null;
  },
  secrets: ({ settings }) => CREDENTIALS.flatMap((key) => settings[key] ?? []),
};
