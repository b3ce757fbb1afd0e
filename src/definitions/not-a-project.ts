import { promises as fs } from 'node:fs';
import { diagnostic, type Diagnostic } from '../diagnostics/diagnostic.js';

/** Why `dir` has no readable quorum.yml, said as the user would check it. */
export async function notAProject(dir: string, configFile: string): Promise<Diagnostic> {
  const folder = await fs.stat(dir).catch(() => null);
  const config = folder?.isDirectory() ? await fs.stat(`${dir}/${configFile}`).catch(() => null) : null;
  const rule = folder === null ? 'missing_folder' : !folder.isDirectory() ? 'a_file' : config === null ? 'no_config' : config.isDirectory() ? 'config_folder' : 'unreadable';
  return diagnostic('not_a_project', { rule, dir, configFile }, null);
}
