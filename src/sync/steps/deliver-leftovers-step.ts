// Step `deliver-leftovers` (SPEC §6): calls that earlier runs left undelivered go out first, with
// their original messageIds, before this run computes new changes.
import { deliverOutbox, type DeliveryReport } from '../deliver.js';
import type { Locked } from './lock-step.js';
import type { RunContext, RunStep } from './run-step.js';

export const deliverLeftoversStep: RunStep<RunContext & Locked, { readonly leftovers: DeliveryReport }> = {
  name: 'deliver-leftovers',
  stage: { stage: 'deliver', detail: 'leftovers' },
  run: async ({ request, connection, schema, destinations, lock, log }) => {
    log('delivering calls left in the outbox by earlier runs');
    return { leftovers: await deliverOutbox({ connection, schema, destinations, lock, log, pageSize: request.outboxPageSize }) };
  },
};
