// Files quorum writes at a path the project's own files name (a file destination's `path:`).
// quorum.yml arrives in pull requests and quorum runs with credentials on a scheduler host, so such
// a path is the pull request's choice, not the operator's: it may name a file inside the project
// and nothing else, and it is written only through real folders, never through a symbolic link that
// the repository could carry (`out -> /etc/cron.d`). A path on the command line (`report --out`,
// `test --output`) is the operator's and goes through makeFolders instead.
import path from 'node:path';

/**
 * Where a resolved path lies that quorum may not write for a project: outside it, the project
 * folder itself, or inside its `.git` folder (hooks there are run by git: a line appended to one
 * would be a command). null for a place inside the project. Only the text is compared.
 */
export function misplacedWrite(root: string, file: string): 'outside' | 'the_project' | 'git' | null {
  const relative = path.relative(root, file);
  if (relative === '') return 'the_project';
  if (relative === '..' || relative.startsWith(`..${path.sep}`) || path.isAbsolute(relative)) return 'outside';
  if (relative.split(path.sep).some((part) => part.toLowerCase() === '.git')) return 'git';
  return null;
}
