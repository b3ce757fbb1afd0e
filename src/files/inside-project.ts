// Files quorum writes at a path the project's own files name (a file destination's `path:`).
// quorum.yml arrives in pull requests and quorum runs with credentials on a scheduler host, so such
// a path is the pull request's choice, not the operator's: it may name a file inside the project
// and nothing else, and it is written only through real folders, never through a symbolic link that
// the repository could carry (`out -> /etc/cron.d`). A path on the command line (`report --out`,
// `test --output`) is the operator's and goes through makeFolders instead.
import { constants } from 'node:fs';
import { lstat, mkdir, open, type FileHandle } from 'node:fs/promises';
import path from 'node:path';

export type Misplaced = 'outside' | 'the_project' | 'git';

/**
 * Where a resolved path lies that quorum may not write for a project, nor read a project file
 * from through a link: outside it, the project folder itself, or inside its `.git` folder (hooks
 * there are run by git: a line appended to one would be a command; its config may hold the CI's
 * token). null for a place inside the project. Only the text is compared; the links on disk are
 * openInsideProject's to refuse when the file is written, and readYamlText's when one is read.
 */
export function misplacedPath(root: string, file: string): Misplaced | null {
  const relative = path.relative(root, file);
  if (relative === '') return 'the_project';
  if (relative === '..' || relative.startsWith(`..${path.sep}`) || path.isAbsolute(relative)) return 'outside';
  if (relative.split(path.sep).some((part) => part.toLowerCase() === '.git')) return 'git';
  return null;
}

/** Where a misplaced path lies, in words (`root` is the project folder). */
export function misplacedWords(where: Misplaced, root: string): string {
  return { outside: `outside the project folder ${root}`, the_project: 'the project folder itself', git: "inside the project's .git folder" }[where];
}

/** A path quorum will not write through; the message says which part is wrong and what to do. */
export class RefusedPath extends Error {}

// Where O_NOFOLLOW does not exist (Windows) the walk below is the only guard.
const APPEND_NO_FOLLOW = constants.O_RDWR | constants.O_APPEND | constants.O_CREAT | (constants.O_NOFOLLOW ?? 0);
const REPLACE_WITH = 'a file destination writes only to a real file through real folders inside the project';

/**
 * Opens `file` to read and append, making it and its missing folders, when it lies inside `root`
 * and no part of it below `root` is a symbolic link (`root` itself may be one: it is the
 * operator's). Each folder is checked with lstat as it is reached, which says as much as comparing
 * real paths and names the link; the file is opened with O_NOFOLLOW, so that a link there fails
 * even when it appeared after the checks. A folder swapped for a link between its check and the
 * open is not caught: that takes write access to the project folder on the host during the run,
 * which is more than a pull request has.
 */
export async function openInsideProject(root: string, file: string): Promise<FileHandle> {
  const misplaced = misplacedPath(root, file);
  if (misplaced !== null) throw new RefusedPath(`it is not a place inside the project ${root} that quorum writes to`);
  const folders = path.relative(root, path.dirname(file));
  let at = root;
  for (const part of folders === '' ? [] : folders.split(path.sep)) {
    at = path.join(at, part);
    await realFolder(at);
  }
  try {
    return await open(file, APPEND_NO_FOLLOW, 0o666);
  } catch (cause) {
    // Linux and macOS answer ELOOP for a link under O_NOFOLLOW, FreeBSD EMLINK
    const code = (cause as NodeJS.ErrnoException).code;
    if (code === 'ELOOP' || code === 'EMLINK') throw new RefusedPath(`${file} is a symbolic link; ${REPLACE_WITH} (replace the link with a file)`);
    throw cause;
  }
}

/** Makes `folder` when it is missing; refuses it when it is a symbolic link. */
async function realFolder(folder: string): Promise<void> {
  let found = await lstat(folder).catch((cause: NodeJS.ErrnoException) => {
    if (cause.code === 'ENOENT') return null;
    throw cause;
  });
  if (found === null) {
    // made meanwhile by another process (two runs' first deliveries): what was wanted
    await mkdir(folder).catch((cause: NodeJS.ErrnoException) => {
      if (cause.code !== 'EEXIST') throw cause;
    });
    found = await lstat(folder);
  }
  if (found.isSymbolicLink()) throw new RefusedPath(`${folder} is a symbolic link; ${REPLACE_WITH} (replace the link with a folder)`);
}
