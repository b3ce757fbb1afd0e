import { promises as fs } from 'node:fs';
import { error, type Diagnostic } from '../diagnostics/diagnostic.js';

/** Why `dir` has no readable quorum.yml, said as the user would check it. */
export async function notAProject(dir: string, configFile: string): Promise<Diagnostic> {
  const hint = `create ${configFile} (quorum init scaffolds one), or point --project at the project's folder`;
  const folder = await fs.stat(dir).catch(() => null);
  if (folder === null) return error('not_a_project', null, `the project folder ${dir} does not exist.`, `check the path, or run quorum init ${dir} to create a demo project there`);
  if (!folder.isDirectory()) return error('not_a_project', null, `${dir} is a file, not a project folder.`, `point --project at the folder that holds ${configFile}`);
  const config = await fs.stat(`${dir}/${configFile}`).catch(() => null);
  if (config !== null) return error('not_a_project', null, `${dir}/${configFile} cannot be read (check its permissions).`, `make it readable by the user running quorum`);
  return error('not_a_project', null, `no ${configFile} in ${dir}, so this is not a quorum project.`, hint);
}
