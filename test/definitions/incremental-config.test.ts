// quorum.yml `incremental:` and `source.arrival_time` (SPEC §6.1): defaults, durations, and every
// mistake named with file:line:col (an unknown key with its did-you-mean, a wrong type).
import { describe, expect, it } from 'vitest';
import { loadProject } from '../../src/definitions/load-project.js';
import { INCREMENTAL_DEFAULTS } from '../../src/definitions/parse-incremental.js';
import { arrivalColumn, presetLayout } from '../../src/definitions/source-layout.js';
import { tempProject } from './fixture-helpers.js';
import { dialectNamed } from '../../dialects/registry.js';
import { quorumJsonSchema } from '../../src/definitions/schema.js';

async function configOf(yml: string) {
  const { project, diagnostics } = await loadProject(tempProject({ 'quorum.yml': yml }), { env: {}, dialects: dialectNamed });
  return {
    incremental: project?.config.incremental,
    arrivalTime: project?.config.source.arrivalTime,
    diagnostics: diagnostics.map((d) => `${d.code} ${d.loc?.file}:${d.loc?.line}:${d.loc?.col}${d.hint ? ` ${d.hint}` : ''}`),
  };
}

describe('quorum.yml incremental:', () => {
  it('is absent (the defaults: off, a 1h lag, no schedule) unless set', async () => {
    expect(await configOf('state: { schema: quorum }\n')).toEqual({ incremental: undefined, arrivalTime: undefined, diagnostics: [] });
    expect(INCREMENTAL_DEFAULTS).toEqual({ enabled: false, arrivalLagSeconds: 3600, fullEverySeconds: null, verifyEverySeconds: null });
    expect((await configOf('incremental:\n')).incremental).toEqual(INCREMENTAL_DEFAULTS);
  });

  it("states the default of enabled as it is in the editor's completion (the JSON schema)", () => {
    const config = (quorumJsonSchema(dialectNamed) as { anyOf: { properties: Record<string, { properties: Record<string, { description: string }> }> }[] }).anyOf[0];
    const described = config.properties.incremental.properties.enabled.description;
    expect(described).toContain(`default ${INCREMENTAL_DEFAULTS.enabled}`);
    expect(described).not.toContain(`default ${!INCREMENTAL_DEFAULTS.enabled}`);
  });

  it('reads every key as seconds; arrival_lag may be zero', async () => {
    expect((await configOf('incremental: { enabled: true, arrival_lag: 3h, full_every: 7d, verify_every: 1d }\n')).incremental).toEqual({
      enabled: true, arrivalLagSeconds: 3 * 3600, fullEverySeconds: 7 * 86_400, verifyEverySeconds: 86_400, loc: expect.objectContaining({ file: 'quorum.yml', line: 1, col: 16 }),
    });
    expect((await configOf('incremental: { arrival_lag: 0 }\n')).incremental?.arrivalLagSeconds).toBe(0);
    expect((await configOf('incremental: { arrival_lag: 0s, enabled: false }\n')).incremental).toMatchObject({ enabled: false, arrivalLagSeconds: 0 });
  });

  it('keeps where it is turned on, for advice that names the line (quorum validate)', async () => {
    expect((await configOf('state: { schema: quorum }\nincremental:\n  arrival_lag: 2h\n  enabled: true\n')).incremental?.loc).toMatchObject({ file: 'quorum.yml', line: 4, col: 3 });
    expect((await configOf('state: { schema: quorum }\nincremental:\n  arrival_lag: 2h\n')).incremental?.loc).toMatchObject({ file: 'quorum.yml', line: 2, col: 1 });
  });

  it('names an unknown key with a did-you-mean, a wrong type and a bad duration with their positions', async () => {
    expect((await configOf('incremental:\n  arrival_lagg: 1h\n')).diagnostics).toEqual(['unknown_key quorum.yml:2:3 did you mean "arrival_lag"?']);
    expect((await configOf('incremental:\n  full_every: 7\n')).diagnostics).toEqual(['wrong_type quorum.yml:2:15 add a unit: 7s, 7m, 7h or 7d']);
    expect((await configOf('incremental:\n  verify_every: 1.5d\n')).diagnostics.map((d) => d.split(' ').slice(0, 2).join(' '))).toEqual(['invalid_value quorum.yml:2:17']);
    expect((await configOf('incremental:\n  full_every: 0s\n')).diagnostics.map((d) => d.split(' ')[0])).toEqual(['invalid_value']);
    // a zero is said to be one, not "not a duration" or a missing unit ("0s" would fail too)
    for (const zero of ['full_every: 0', 'verify_every: 0s', 'full_every: 00h']) {
      expect((await configOf(`incremental:\n  ${zero}\n`)).diagnostics.map((d) => d.split(' ').slice(2).join(' '))).toEqual(['write a positive whole number and a unit, e.g. 1h or 7d']);
    }
    expect((await configOf('incremental:\n  enabled: yes please\n')).diagnostics.map((d) => d.split(' ')[0])).toEqual(['wrong_type']);
    expect((await configOf('incremental: 1h\n')).diagnostics.map((d) => d.split(' ').slice(0, 2).join(' '))).toEqual(['wrong_type quorum.yml:1:14']);
  });
});

describe('quorum.yml source.arrival_time', () => {
  it('is one column name, checked like every name', async () => {
    expect((await configOf('source: { arrival_time: loaded_at }\n')).arrivalTime).toBe('loaded_at');
    expect((await configOf('source:\n  arrival_tim: uuid_ts\n')).diagnostics).toEqual(['unknown_key quorum.yml:2:3 did you mean "arrival_time"?']);
    expect((await configOf('source:\n  arrival_time: uuid ts\n')).diagnostics.map((d) => d.split(' ').slice(0, 2).join(' '))).toEqual(['invalid_value quorum.yml:2:17']);
    expect((await configOf('source:\n  arrival_time: [a]\n')).diagnostics.map((d) => d.split(' ').slice(0, 2).join(' '))).toEqual(['wrong_type quorum.yml:2:17']);
  });

  it('defaults per table to uuid_ts where the table has it, else received_at, for both presets', () => {
    for (const preset of ['segment', 'rudderstack'] as const) {
      const layout = presetLayout(preset, 'app');
      expect(arrivalColumn(layout, new Set(['id', 'received_at', 'uuid_ts']))).toBe('uuid_ts');
      expect(arrivalColumn(layout, new Set(['id', 'received_at']))).toBe('received_at');
      expect(arrivalColumn(layout, new Set(['id', 'timestamp']))).toBeNull();
    }
    const set = { ...presetLayout('segment', 'app'), arrivalTime: 'loaded_at' };
    expect(arrivalColumn(set, new Set(['uuid_ts', 'loaded_at']))).toBe('loaded_at');
    expect(arrivalColumn(set, new Set(['uuid_ts']))).toBeNull();
  });
});
