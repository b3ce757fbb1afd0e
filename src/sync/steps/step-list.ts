// The runner of `quorum run`'s steps: it runs them in order, each with the context the earlier ones
// built, begins the operator-log stage a step names, logs each step with its time, passes its crash
// point, and stops at the first step that fails. Then, failed or not, it runs the exit work the
// steps registered (the lock's release, the run row's `failed`), last registered first.
//
// Steps between `transaction(open, ...)`'s brackets run inside one warehouse transaction: its
// crash points are `transaction-begun` (before the first) and `committed` (after COMMIT).
import { crashPoint } from '../crash.js';
import type { ExitCleanup, InTransaction, RunContext, RunStep } from './run-step.js';

/** Opens the run's transaction and hands its statements (and the plan to use inside it) to `work`. */
export type TransactionOpener<C> = <R>(context: C, work: (inside: InTransaction) => Promise<R>) => Promise<R>;

// The list is typed by its builder; at run time a step is only a function of a context.
type AnyStep = RunStep<never, object>;
type Entry =
  | { readonly kind: 'step'; readonly step: AnyStep }
  | { readonly kind: 'transaction'; readonly open: TransactionOpener<never>; readonly steps: readonly AnyStep[] };

/** `steps<RunContext>().then(a).then(b)`: each step's input must be what the steps before it give. */
export function steps<C extends RunContext>(): StepList<C, C> {
  return new StepList<C, C>([]);
}

/** Steps that start from a `Start` context and leave a `C` one. */
export class StepList<Start, C> {
  constructor(private readonly entries: readonly Entry[]) {}

  then<O extends object>(step: RunStep<C, O>): StepList<Start, C & O> {
    return new StepList<Start, C & O>([...this.entries, { kind: 'step', step: step as unknown as AnyStep }]);
  }

  /** Steps inside one transaction; what they add to the context stays after COMMIT (but `tx`). */
  transaction<X extends C & InTransaction>(
    open: TransactionOpener<C>,
    inner: (list: StepList<C & InTransaction, C & InTransaction>) => StepList<C & InTransaction, X>,
  ): StepList<Start, Omit<X, keyof InTransaction> & C> {
    const built = inner(new StepList<C & InTransaction, C & InTransaction>([]));
    const nested = built.entries.map((e) => {
      if (e.kind !== 'step') throw new Error('internal error: a transaction inside a transaction');
      return e.step;
    });
    return new StepList([...this.entries, { kind: 'transaction', open: open as unknown as TransactionOpener<never>, steps: nested }]);
  }

  /** The step names in order, a transaction's in brackets: `lock`, `[evaluate`, ..., `summarise]`. */
  names(): string[] {
    return this.entries.flatMap((e) => (e.kind === 'step' ? [e.step.name] : e.steps.map((s, i) => `${i === 0 ? '[' : ''}${s.name}${i === e.steps.length - 1 ? ']' : ''}`)));
  }

  /** Each step's crash point, in order, with the transaction's own two. */
  crashPoints(): string[] {
    return this.entries.flatMap((e) =>
      e.kind === 'step' ? pointOf(e.step) : ['transaction-begun', ...e.steps.flatMap(pointOf), 'committed'],
    );
  }

  async run(start: Start & RunContext, exits: ExitWork): Promise<C> {
    let context: RunContext = start;
    try {
      for (const entry of this.entries) {
        if (entry.kind === 'step') {
          context = { ...context, ...(await runStep(entry.step, context)) };
          continue;
        }
        const before: RunContext = context;
        const added = await (entry.open as TransactionOpener<RunContext>)(before, async (inside) => {
          crashPoint('transaction-begun');
          let inner: RunContext & InTransaction = { ...before, ...inside };
          let out: object = {};
          for (const step of entry.steps) {
            const adds = await runStep(step, inner);
            inner = { ...inner, ...adds };
            out = { ...out, ...adds };
          }
          return out;
        });
        crashPoint('committed');
        context = { ...before, ...added };
      }
    } catch (failure) {
      await exits.run(failure, context);
      throw failure;
    }
    await exits.run(null, context);
    return context as C;
  }
}

function pointOf(step: AnyStep): string[] {
  return step.crashPoint === undefined ? [] : [step.crashPoint];
}

async function runStep(step: AnyStep, context: RunContext): Promise<object> {
  if (step.stage) context.request.onStage?.(step.stage.stage, step.stage.detail);
  const started = performance.now();
  try {
    const out = await (step.run as (c: RunContext) => Promise<object>)(context);
    context.log(`step ${step.name} done in ${Math.round(performance.now() - started)} ms`);
    if (step.crashPoint !== undefined) crashPoint(step.crashPoint);
    return out;
  } catch (cause) {
    context.log(`step ${step.name} failed after ${Math.round(performance.now() - started)} ms`);
    throw cause;
  }
}

/** The exit work steps register through `RunContext.onExit`. */
export class ExitWork {
  private readonly work: ExitCleanup[] = [];

  readonly add = (cleanup: ExitCleanup): void => {
    this.work.push(cleanup);
  };

  async run(failure: unknown, reached: object): Promise<void> {
    for (const cleanup of this.work.splice(0).reverse()) await cleanup(failure, reached).catch(() => undefined);
  }
}
