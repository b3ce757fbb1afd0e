// A maintenance tool, not a test: `npx tsx test/definitions/update-expected.ts` fills the "?"
// places of fixtures/invalid/*/expected.txt from the actual diagnostics (matching code, file and
// text) and writes every case's output to /tmp/dump.txt for review.
import path from 'node:path';
import { writeFileSync } from 'node:fs';
import { INVALID_ROOT, invalidCases, placeOf, readExpected, runCase } from './fixture-helpers.js';

async function updateExpected(): Promise<void> {
  const out: string[] = [];
  for (const name of invalidCases()) {
    const dir = path.join(INVALID_ROOT, name);
    const ds = await runCase(dir);
    const used = new Set<number>();
    const lines = readExpected(dir).map((e) => {
      if (!e.place.includes('?')) return `${e.code} ${e.place} ${e.substring}`;
      const file = e.place.split(':')[0];
      const i = ds.findIndex((d, k) => !used.has(k) && d.code === e.code && d.loc?.file === file && `${d.message} ${d.hint}`.includes(e.substring));
      if (i < 0) return `${e.code} ${e.place} ${e.substring}`;
      used.add(i);
      return `${e.code} ${placeOf(ds[i])} ${e.substring}`;
    });
    writeFileSync(path.join(dir, 'expected.txt'), `${lines.join('\n')}\n`);
    out.push(`== ${name}`, ...lines.map((l) => `  exp ${l}`), ...ds.map((d) => `  got ${d.severity} ${d.code} ${placeOf(d)} ${d.message} || ${d.hint}`));
  }
  writeFileSync('/tmp/dump.txt', out.join('\n'));
}

await updateExpected();
