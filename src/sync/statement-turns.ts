// Deliveries to several destinations run side by side on one warehouse connection; their
// statements take turns, one at a time, in the order they were asked for.
export class StatementTurns {
  private tail: Promise<unknown> = Promise.resolve();

  run<T>(work: () => Promise<T>): Promise<T> {
    const next = this.tail.then(work, work);
    this.tail = next.catch(() => undefined);
    return next;
  }
}
