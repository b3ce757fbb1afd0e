// `mkdir -p` for the folders of the paths an operator gives on the command line (`report --out`,
// `test --output`, `init`); a file destination's folders are made by inside-project.ts, one at a
// time and never through a link. Node 20's `mkdir(..., { recursive: true })` never settles where
// a folder's mkdir answers ENOENT although its parent exists, as under /proc: it makes the parent
// again, finds it there, and tries the child again, forever (a command would hang). Here
// every missing folder is made once, from the deepest existing one down, and the first refusal is
// the error, with the code and path Node gives it.
import { mkdir, stat } from 'node:fs/promises';
import path from 'node:path';

export async function makeFolders(folder: string): Promise<void> {
  const missing: string[] = [];
  for (let at = path.resolve(folder); ; at = path.dirname(at)) {
    try {
      await stat(at);
      break;
    } catch (cause) {
      if ((cause as NodeJS.ErrnoException).code !== 'ENOENT') throw cause;
    }
    missing.push(at);
    if (path.dirname(at) === at) break;
  }
  for (const at of missing.reverse()) {
    try {
      await mkdir(at);
    } catch (cause) {
      // made meanwhile by another process (two runs' first deliveries, say): what was wanted
      if ((cause as NodeJS.ErrnoException).code !== 'EEXIST') throw cause;
    }
  }
}
