// What `quorum run` says about the calls a run did not deliver: those that wait in the outbox for
// the next run (`delivery_failed`), and those over a destination's call limit, which no run will
// ever send (`call_too_large`): each needs something different done about it.
import type { Project } from '../definitions/model.js';
import { diagnostic, type Diagnostic } from '../diagnostics/diagnostic.js';
import type { RunOutput, TooLargeCall } from './run-types.js';

/** A destination's calls that wait in the outbox: `failed` counts the ones set aside too. */
export function waitingCalls(output: RunOutput, destination: string): number {
  const setAside = (output.too_large ?? []).filter((c) => c.destination === destination).length;
  return (output.failed[destination] ?? 0) - setAside;
}

export function deliveryProblems(output: RunOutput, project: Project): Diagnostic[] {
  const waiting: Diagnostic[] = Object.keys(output.failed)
    .filter((name) => waitingCalls(output, name) > 0)
    .map((name) =>
      diagnostic('delivery_failed', { destination: name, detail: output.errors.find((e) => e.includes(`"${name}"`)) ?? null }, null),
    );
  return [...waiting, ...tooLargeProblems(output, project)];
}

/** One diagnostic per destination and definition: a value too large for one entity usually is for many. */
export function tooLargeProblems(output: RunOutput, project: Project): Diagnostic[] {
  const groups = new Map<string, TooLargeCall[]>();
  for (const call of output.too_large ?? []) {
    const key = JSON.stringify([call.destination, call.definition]);
    const group = groups.get(key);
    if (group === undefined) groups.set(key, [call]);
    else group.push(call);
  }
  return [...groups.values()].map(([first, ...more]) =>
    diagnostic(
      'call_too_large',
      {
        destination: first.destination,
        definition: first.definition,
        entity: first.entity_id,
        call: first.call_type,
        bytes: first.bytes,
        limit: first.limit,
        more: more.length,
      },
      project.definitions.find((d) => d.name === first.definition)?.loc ?? null,
    ),
  );
}
