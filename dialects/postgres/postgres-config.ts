// quorum.yml's `warehouse:` for Postgres: one connection URL, usually from ${DATABASE_URL}.
import type { WarehouseConfig } from '../../src/definitions/model.js';
import type { WarehouseConfigSpec } from '../../src/definitions/parse-warehouse.js';
import { urlSecrets } from '../../src/secrets/project-secrets.js';

export interface PostgresWarehouse extends WarehouseConfig {
  readonly type: 'postgres';
  readonly url: string;
}

export const postgresConfig: WarehouseConfigSpec<PostgresWarehouse> = {
  keys: {
    url: { optional: false, description: 'postgres: the connection URL, e.g. ${DATABASE_URL}' },
  },
  parse(section) {
    // Its form is checked by the connector (postgres-url.ts), just before connecting: `quorum test`
    // and offline validation read ${DATABASE_URL} as a placeholder that is no URL.
    const url = section.requiredText('url', 'add url: ${DATABASE_URL} and set DATABASE_URL in the environment');
    return url === null ? null : { type: 'postgres', url };
  },
  // The user name and password, and the query string (sslpassword, ...), of the URL.
  secrets: (config) => urlSecrets(config.url, { userIsName: true }),
};
