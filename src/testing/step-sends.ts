// `expect_calls` and `expect_guardrail`: what a step would send is found by running `quorum run`
// itself on the case's DuckDB (evaluation, diff, guardrail, outbox, delivery), not by a copy of
// it. Its state lives in a schema of its own next to the one the entered / exited diff keeps, and
// its destinations are sinks that take every call; what it sent is read back from its outbox.
import type { Project } from '../definitions/model.js';
import { SEGMENT_LIMITS, type Destination } from '../destinations/destination.js';
import { bin, col, select, str } from '../sql/ast.js';
import { run } from '../sync/run.js';
import { outboxCalls } from '../sync/outbox-generations.js';
import type { Catalog } from '../warehouse/catalog.js';
import type { WarehouseConnection } from '../warehouse/connection.js';
import type { StepSent } from './compare-sent.js';
import { CALL_TRANSITIONS, type CallTransition } from './test-case.js';


function sink(name: string): Destination {
  return { name, limits: SEGMENT_LIMITS, send: async () => undefined, close: async () => undefined };
}

export interface StepSendsRequest {
  readonly connection: WarehouseConnection;
  readonly project: Project;
  readonly catalog: Catalog;
  readonly definitions: readonly string[];
  readonly asOf: string;
  readonly step: number;
}

export async function stepSends(request: StepSendsRequest): Promise<StepSent> {
  const { connection, project } = request;
  const schema = `${project.config.stateSchema}_calls`;
  const runId = `test-step-${request.step}`;
  const output = await run({
    connection,
    project: { ...project, config: { ...project.config, stateSchema: schema } },
    catalog: request.catalog,
    asOf: request.asOf,
    definitions: request.definitions,
    destinations: new Map(Object.keys(project.config.destinations).map((name) => [name, sink(name)])),
    runId,
  });
  const rows = await connection.query(
    connection.dialect.printer.print(
      select({
        distinct: true,
        columns: ['destination', 'definition', 'transition', 'entity_id'].map((name) => ({ expr: col(name), alias: name })),
        // A first run's calls may be records by generation: read the outbox as delivery does.
        from: outboxCalls(schema, 'o', bin('=', col('run_id', 'g'), str(runId))),
        where: bin('=', col('run_id'), str(runId)),
      }),
    ),
  );
  const calls = new Map<string, Map<string, Record<CallTransition, Set<string>>>>();
  for (const row of rows) {
    const byDefinition = calls.get(String(row.destination)) ?? new Map<string, Record<CallTransition, Set<string>>>();
    calls.set(String(row.destination), byDefinition);
    const entities = byDefinition.get(String(row.definition)) ?? (Object.fromEntries(CALL_TRANSITIONS.map((t) => [t, new Set<string>()])) as Record<CallTransition, Set<string>>);
    byDefinition.set(String(row.definition), entities);
    entities[String(row.transition) as CallTransition]?.add(String(row.entity_id));
  }
  const blocked = new Map(output.definitions.filter((d) => d.status === 'blocked').map((d) => [d.name, d.message ?? 'blocked']));
  return { calls, blocked };
}
