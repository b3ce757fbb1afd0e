// quorum explain's history: for an entity, when it entered or left the audience at each run and
// which condition changed. The replayed transitions must agree with what the runs wrote to the
// outbox, and every transition names at least one condition that flipped.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dialectNamed } from '../../dialects/registry.js';
import { explainWithHistory } from '../../src/sync/explain-history.js';
import { openSession, type Session } from '../../src/evaluation/session.js';
import { loggedRun } from '../../src/logging/logged-run.js';
import { memoryLogger } from '../../src/logging/logger.js';
import { RecordingDestination, writeOperateProject } from './support/operate-project.js';

const AS_OFS = [
  '2024-06-02T00:00:00.000Z',
  '2024-06-03T12:00:00.000Z',
  '2024-06-05T00:00:00.000Z',
  '2024-06-06T00:00:00.000Z',
  '2024-06-08T06:00:00.000Z',
  '2024-06-10T00:00:00.000Z',
];

describe('quorum explain with history', () => {
  let dir: string;
  let session: Session;
  beforeAll(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'quorum-explain-'));
    await writeOperateProject(dir);
    const destinations = new Map([['audit', new RecordingDestination('audit')]]);
    for (const asOf of AS_OFS) {
      await loggedRun({
        root: dir,
        dialects: dialectNamed,
        definitions: ['active_accounts', 'active_admins'],
        asOf,
        logger: memoryLogger(),
        destinations,
        allowMassExit: true,
      });
    }
    session = await openSession(dir, dialectNamed);
  }, 60_000);

  afterAll(async () => {
    await session?.close();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('replays every run: entered / exited agree with the outbox, and name the conditions that changed', async () => {
    const ctx = { ...session, asOf: AS_OFS.at(-1)! };
    const users = Array.from({ length: 40 }, (_, i) => `u${String(i).padStart(3, '0')}`);
    let transitions = 0;
    for (const id of users) {
      const result = await explainWithHistory(ctx, 'active_admins', id, 10);
      const history = result.history!;
      expect(history.map((h) => h.as_of)).toEqual(AS_OFS);
      expect(history.at(-1)!.member).toBe(result.member);
      for (const h of history) {
        const recorded = h.recorded.filter((t) => t === 'entered' || t === 'exited');
        expect(recorded, `${id} at ${h.as_of}`).toEqual(h.transition ? [h.transition] : []);
        if (h.transition) {
          transitions += 1;
          expect(h.changed.length, `${id} at ${h.as_of}`).toBeGreaterThan(0);
          expect(h.changed[0]).toMatchObject({ depth: 0, from: h.transition === 'exited', to: h.transition === 'entered' });
        }
      }
    }
    expect(transitions).toBeGreaterThan(10);
  });

  it('shows the explain time after the last run, and only the latest runs when asked', async () => {
    const result = await explainWithHistory({ ...session, asOf: '2024-06-12T00:00:00.000Z' }, 'active_accounts', 'acct-01', 3);
    const history = result.history!;
    expect(history.map((h) => h.run_id === null)).toEqual([false, false, false, true]);
    expect(history.map((h) => h.as_of)).toEqual([...AS_OFS.slice(-3), '2024-06-12T00:00:00.000Z']);
    expect(history[3].recorded).toEqual([]);
    // an account audience's outbox records also its users moving while it stays ("changed")
    const earlier = await explainWithHistory({ ...session, asOf: AS_OFS[0] }, 'active_accounts', 'acct-01', 10);
    expect(earlier.history!.map((h) => h.as_of)).toEqual([AS_OFS[0]]);
    expect(earlier.history![0].transition).toBe(earlier.member ? 'entered' : null);
  });
});
