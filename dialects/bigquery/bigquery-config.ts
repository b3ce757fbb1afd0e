// quorum.yml's `warehouse:` for BigQuery. Credentials come from Application Default Credentials,
// or from a service-account key file (`key_file`, relative to the project).
// https://cloud.google.com/docs/authentication/application-default-credentials
import type { WarehouseConfig } from '../../src/definitions/model.js';
import type { WarehouseConfigSpec } from '../../src/definitions/parse-warehouse.js';

export interface BigQuerySettings {
  readonly project: string;
  readonly location?: string;
  /** Absolute after loading. */
  readonly key_file?: string;
}

export interface BigQueryWarehouse extends WarehouseConfig {
  readonly type: 'bigquery';
  readonly settings: BigQuerySettings;
}

export const bigQueryConfig: WarehouseConfigSpec<BigQueryWarehouse> = {
  keys: {
    project: { optional: false, description: 'bigquery: the project the queries run in' },
    location: { optional: true, description: 'bigquery: the location of the datasets' },
    key_file: { optional: true, description: 'bigquery: a service-account key file, relative to the project; default Application Default Credentials' },
  },
  parse(section) {
    const project = section.requiredText('project', 'add project: followed by the project the queries run in');
    const location = section.optionalText('location');
    const keyFile = section.optionalText('key_file');
    if (project === null || location === null || keyFile === null) return null;
    const settings: BigQuerySettings = {
      project,
      ...(location === undefined ? {} : { location }),
      ...(keyFile === undefined ? {} : { key_file: section.projectPath(keyFile) }),
    };
    return { type: 'bigquery', settings };
  },
  // Credentials live in the key file or the environment, never in quorum.yml's values.
  secrets: () => [],
};
