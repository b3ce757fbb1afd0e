// quorum.yml `identity:` (SPEC §2.1): off unless set, both keys optional, mistakes named with file:line.
import { describe, expect, it } from 'vitest';
import { loadProject } from '../../src/definitions/load-project.js';
import { tempProject } from './fixture-helpers.js';
import { dialectNamed } from '../../dialects/registry.js';

async function identityOf(yml: string) {
  const { project, diagnostics } = await loadProject(tempProject({ 'quorum.yml': yml }), { env: {}, dialects: dialectNamed });
  return { identity: project?.config.identity, diagnostics: diagnostics.map((d) => `${d.code} ${d.loc?.file}:${d.loc?.line}:${d.loc?.col}`) };
}

describe('quorum.yml identity:', () => {
  it('is absent (stitching off) unless set', async () => {
    expect(await identityOf('state: { schema: quorum }\n')).toEqual({ identity: undefined, diagnostics: [] });
  });

  it('reads stitch and conflict, conflict defaulting to first', async () => {
    expect((await identityOf('identity:\n  stitch: anonymous_id\n')).identity).toEqual({ stitch: 'anonymous_id', conflict: 'first' });
    expect((await identityOf('identity: { stitch: anonymous_id, conflict: last }\n')).identity).toEqual({ stitch: 'anonymous_id', conflict: 'last' });
    expect((await identityOf('identity: { stitch: "off" }\n')).identity).toEqual({ stitch: 'off', conflict: 'first' });
    expect((await identityOf('identity:\n')).identity).toEqual({ stitch: 'off', conflict: 'first' });
  });

  it('names a wrong value or a wrong type with its line', async () => {
    expect((await identityOf('identity:\n  stitch: anonymous_id\n  conflict: 2\n')).diagnostics).toEqual(['wrong_type quorum.yml:3:13']);
    expect((await identityOf('identity: anonymous_id\n')).diagnostics).toEqual(['wrong_type quorum.yml:1:11']);
  });
});
