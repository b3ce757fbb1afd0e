// The reference meaning of a funnel (SPEC §5 "Funnels"), written from the spec's sentences with
// plain loops: some instance e1 of the first step is followed by the chain. A `performed` step F
// within W needs an event e2 with e1.time < e2.time <= e1.time + W and e2.time <= as_of, and the
// rest of the chain from e2; a `not_performed` step needs its window fully elapsed
// (e1.time + W <= as_of) and no event in (e1.time, e1.time + W].

/** A later step: its events' times (epoch ms) by user, and its window in seconds. */
export interface LaterStep {
  readonly times: ReadonlyMap<string, readonly number[]>;
  readonly seconds: number;
  readonly negated: boolean;
}

function chainHolds(user: string, after: number, steps: readonly LaterStep[], asOf: number): boolean {
  if (steps.length === 0) return true;
  const [step, ...rest] = steps;
  const end = after + step.seconds * 1000;
  const inWindow = (step.times.get(user) ?? []).filter((t) => after < t && t <= end && t <= asOf);
  if (step.negated) return end <= asOf && inWindow.length === 0;
  return inWindow.some((t) => chainHolds(user, t, rest, asOf));
}

/** Whether `user` satisfies the funnel made of the first step's event times and the later steps. */
export function funnelHolds(user: string, firstTimes: readonly number[], later: readonly LaterStep[], asOf: number): boolean {
  return firstTimes.some((t) => t <= asOf && chainHolds(user, t, later, asOf));
}

/**
 * For `preview`'s breakdown: per step k (1-based), whether the user completed the funnel cut
 * after step k (the first k steps).
 */
export function funnelStepsReached(user: string, firstTimes: readonly number[], later: readonly LaterStep[], asOf: number): boolean[] {
  const reached: boolean[] = [];
  for (let k = 0; k <= later.length; k += 1) reached.push(funnelHolds(user, firstTimes, later.slice(0, k), asOf));
  return reached;
}
