// The demo project (`quorum init`'s) for a test file to work in: a copy of one made once per test
// run. Generating its warehouse costs about 12 s of CPU, and five files used to each generate the
// same one (same seed, same as_of). test/demo/ still tests writeDemoProject itself.
//
// The first file to get here makes the project; a file that comes while it is being made does not
// wait for it but makes its own, as before, so no file can hang on another's failure.
import { existsSync } from 'node:fs';
import { cp, mkdir, rename } from 'node:fs/promises';
import path from 'node:path';
import { inject } from 'vitest';
import { writeDemoProject } from '../../fixtures/demo/write-project.js';

declare module 'vitest' {
  export interface ProvidedContext {
    /** the folder for this run's demo project (demo-project.global.ts) */
    demoProjectCache: string;
  }
}

/** Writes the demo project into `dir`, as writeDemoProject(dir) does. */
export async function copyDemoProject(dir: string): Promise<void> {
  const cache = inject('demoProjectCache');
  const ready = path.join(cache, 'project');
  if (!existsSync(ready)) {
    // mkdir without `recursive` fails if the folder exists: exactly one file makes the project
    await mkdir(path.dirname(cache), { recursive: true });
    const won = await mkdir(cache).then(() => true, () => false);
    if (!won) {
      await writeDemoProject(dir);
      return;
    }
    const making = path.join(cache, 'making');
    await writeDemoProject(making);
    // a rename is atomic: another file sees the whole project or none
    await rename(making, ready);
  }
  await cp(ready, dir, { recursive: true });
}
