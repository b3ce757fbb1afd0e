// Statements of side-by-side deliveries take turns on one connection (statement-turns.ts): one at a
// time, in the order asked for, a failed one not stopping the next, and one asked for while the
// connection is idle starting at once, before the caller's next synchronous line (delivery relies
// on that to have the warehouse number a record's next chunk while it deals a page).
import { describe, expect, it } from 'vitest';
import { StatementTurns } from '../../src/sync/statement-turns.js';

/** A statement that records when it starts and ends, and finishes when `release` is called. */
function statement(log: string[], name: string) {
  let release!: () => void;
  const done = new Promise<void>((resolve) => (release = resolve));
  return {
    work: async () => {
      log.push(`start ${name}`);
      await done;
      log.push(`end ${name}`);
      return name;
    },
    release: () => release(),
  };
}

describe('statement turns', () => {
  it('starts a statement asked for while none runs before the caller goes on', () => {
    const turns = new StatementTurns();
    const log: string[] = [];
    const a = statement(log, 'a');
    void turns.run(a.work);
    log.push('caller goes on');
    expect(log).toEqual(['start a', 'caller goes on']);
    a.release();
  });

  it('runs statements one at a time, in the order asked for', async () => {
    const turns = new StatementTurns();
    const log: string[] = [];
    const [a, b, c] = ['a', 'b', 'c'].map((name) => statement(log, name));
    const results = [turns.run(a.work), turns.run(b.work), turns.run(c.work)];
    await Promise.resolve();
    expect(log).toEqual(['start a']);
    c.release();
    b.release();
    a.release();
    expect(await Promise.all(results)).toEqual(['a', 'b', 'c']);
    expect(log).toEqual(['start a', 'end a', 'start b', 'end b', 'start c', 'end c']);
    // idle again: the next one starts at once
    const d = statement(log, 'd');
    void turns.run(d.work);
    expect(log.at(-1)).toBe('start d');
    d.release();
  });

  it('goes on after a statement that fails, synchronously or not', async () => {
    const turns = new StatementTurns();
    const failing = turns.run(async () => {
      throw new Error('refused');
    });
    const throwing = turns.run((() => {
      throw new Error('thrown before any promise');
    }) as () => Promise<never>);
    const next = turns.run(async () => 'next');
    await expect(failing).rejects.toThrow('refused');
    await expect(throwing).rejects.toThrow('thrown before any promise');
    expect(await next).toBe('next');
    expect(await turns.run(async () => 'idle again')).toBe('idle again');
  });
});
