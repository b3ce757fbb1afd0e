// Deliveries to several destinations run side by side on one warehouse connection; their
// statements take turns, one at a time, in the order they were asked for. A statement asked for
// while none is running starts at once, not in a later microtask: delivery asks for the next chunk
// of a record just before it deals a page (outbox-reader.ts `readAhead`), and the warehouse works
// on it only if it starts before that synchronous dealing.
export class StatementTurns {
  private tail: Promise<unknown> = Promise.resolve();
  private running = 0;

  run<T>(work: () => Promise<T>): Promise<T> {
    const start = async () => work();
    const next = this.running === 0 ? start() : this.tail.then(start, start);
    this.running += 1;
    this.tail = next.then(
      () => void (this.running -= 1),
      () => void (this.running -= 1),
    );
    return next;
  }
}
