// The warehouse of the delivery and memory benches: `users` users in the Segment layout, all of
// them Admins (one identify each), and empty `groups` and `tracks`, so that a user-level audience
// of the Admins sends exactly one call per user. Generated inside DuckDB (`range`).
import { DuckDBInstance } from '@duckdb/node-api';

export async function writeAdminWarehouse(file: string, users: number): Promise<void> {
  const instance = await DuckDBInstance.create(file);
  const connection = await instance.connect();
  try {
    await connection.run('CREATE SCHEMA app');
    await connection.run(
      `CREATE TABLE app.identifies AS SELECT 'i' || i AS id, 'user-' || lpad(CAST(i AS VARCHAR), 8, '0') AS user_id, CAST(NULL AS VARCHAR) AS anonymous_id,
         TIMESTAMP '2024-01-01' + INTERVAL (i % 1000) MINUTE AS timestamp, TIMESTAMP '2024-01-01' + INTERVAL (i % 1000) MINUTE AS received_at,
         'Admin' AS role, 'user' || i || '@example.com' AS email FROM range(${users}) t(i)`,
    );
    await connection.run(
      'CREATE TABLE app.groups (id VARCHAR, user_id VARCHAR, anonymous_id VARCHAR, group_id VARCHAR, timestamp TIMESTAMP, received_at TIMESTAMP, plan VARCHAR)',
    );
    await connection.run(
      'CREATE TABLE app.tracks (id VARCHAR, user_id VARCHAR, anonymous_id VARCHAR, event VARCHAR, event_text VARCHAR, timestamp TIMESTAMP, received_at TIMESTAMP, context_group_id VARCHAR)',
    );
  } finally {
    connection.closeSync();
    instance.closeSync();
  }
}
