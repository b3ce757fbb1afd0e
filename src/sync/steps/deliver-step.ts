// Step `deliver` (SPEC §6): this run's calls, after COMMIT; each is marked delivered only once its
// destination acknowledged it.
import { deliverOutbox, type DeliveryReport } from '../deliver.js';
import type { Locked } from './lock-step.js';
import type { RunContext, RunStep } from './run-step.js';

export const deliverStep: RunStep<RunContext & Locked, { readonly fresh: DeliveryReport }> = {
  name: 'deliver',
  stage: { stage: 'deliver' },
  crashPoint: 'delivered',
  run: async ({ request, connection, schema, destinations, lock, log }) => {
    log('delivering');
    return { fresh: await deliverOutbox({ connection, schema, destinations, lock, log, pageSize: request.outboxPageSize }) };
  },
};
