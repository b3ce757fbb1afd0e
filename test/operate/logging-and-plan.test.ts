// The operator log's two formats and its terminal-only spinner; quorum.yml's `schedule:` block
// and the schedule plan built from it; croner's slots in a time zone.
import { mkdtemp, mkdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Writable } from 'node:stream';
import { afterEach, describe, expect, it } from 'vitest';
import { loadProject } from '../../src/definitions/load-project.js';
import { createLogger, formatText, shortLocalTime } from '../../src/logging/logger.js';
import { CronSlots, schedulePlan } from '../../src/schedule/schedule-plan.js';
import { dialectNamed } from '../../dialects/registry.js';

class Capture extends Writable {
  text = '';
  constructor(readonly isTTY: boolean) {
    super();
  }
  override _write(chunk: Buffer, _encoding: string, done: () => void): void {
    this.text += chunk.toString();
    done();
  }
}

const fixed = () => new Date('2024-06-03T11:00:00.000Z');

describe('operator logs', () => {
  it('writes plain lines when piped: no escape codes, no spinner', () => {
    const out = new Capture(false);
    const logger = createLogger({ format: 'text', stream: out, now: fixed, debug: false });
    logger.status('execute');
    logger.event('debug', 'run.progress', 'delivered 500 calls to crm');
    logger.event('info', 'stage.execute', '', { ms: 1204 });
    logger.event('warn', 'run.retry', 'warehouse_unreachable: down', { attempt: 2, definitions: ['a', 'b'], retry_in_ms: 30000 });
    logger.close();
    expect(out.text).toBe(
      '2024-06-03T11:00:00.000Z info  stage.execute 1.204s\n' +
        '2024-06-03T11:00:00.000Z warn  run.retry warehouse_unreachable: down attempt=2 definitions=a,b retry_in_ms=30000\n',
    );
  });

  it('writes one JSON object a line with --log-format json, even on a terminal', () => {
    const out = new Capture(true);
    const logger = createLogger({ format: 'json', stream: out, now: fixed });
    logger.status('execute');
    logger.event('info', 'stage.diff', '', { ms: 12 });
    logger.close();
    expect(
      out.text
        .split('\n')
        .filter(Boolean)
        .map((l) => JSON.parse(l)),
    ).toEqual([{ time: '2024-06-03T11:00:00.000Z', level: 'info', code: 'stage.diff', message: '', ms: 12 }]);
  });

  it('shows a spinner on a terminal only, and prints events above it', () => {
    const out = new Capture(true);
    const logger = createLogger({ format: 'text', stream: out, now: fixed });
    logger.status('execute');
    logger.event('info', 'stage.execute', '', { ms: 5 });
    logger.close();
    expect(out.text).toContain('\r\x1b[2K');
    expect(out.text).toMatch(/execute \d+\.\ds/);
    // a person at a terminal reads a short local time, not an ISO instant
    expect(out.text).toContain(`${shortLocalTime('2024-06-03T11:00:00.000Z')} info  stage.execute 5ms\n`);
    expect(out.text).not.toContain('2024-06-03T');
  });

  it('shortens times to the local clock', () => {
    const t = new Date(2024, 5, 3, 9, 5, 7);
    expect(shortLocalTime(t.toISOString())).toBe('09:05:07');
  });

  it('quotes field values with spaces', () => {
    expect(formatText({ time: 't', level: 'info', code: 'run.failed', message: '', reason: 'two words' })).toBe(
      't info  run.failed reason="two words"',
    );
  });
});

describe('schedule plan', () => {
  // a test may make more than one project
  const dirs: string[] = [];
  afterEach(async () => {
    for (const dir of dirs.splice(0)) await rm(dir, { recursive: true, force: true });
  });

  async function project(config: string): Promise<string> {
    const dir = await mkdtemp(path.join(tmpdir(), 'quorum-plan-'));
    dirs.push(dir);
    await mkdir(path.join(dir, 'audiences'));
    await mkdir(path.join(dir, 'traits'));
    await writeFile(path.join(dir, 'quorum.yml'), `warehouse:\n  type: duckdb\n  path: w.duckdb\ndestinations: {}\n${config}`);
    await writeFile(
      path.join(dir, 'audiences', 'a.yml'),
      'audience: own\nlevel: user\nschedule: "*/5 * * * *"\nwhere: { trait: role, equals: Admin }\n',
    );
    await writeFile(path.join(dir, 'audiences', 'b.yml'), 'audience: plain\nlevel: user\nwhere: { trait: role, equals: Member }\n');
    await writeFile(path.join(dir, 'traits', 't.yml'), 'computed_trait: logins\nlevel: user\ncompute: count\nevent: Logged In\n');
    return dir;
  }

  it('uses a definition own schedule, else schedule.default, in schedule.timezone', async () => {
    const { project: p, diagnostics } = await loadProject(await project('schedule:\n  default: "0 9 * * 1"\n  timezone: Europe/Berlin\n'), { dialects: dialectNamed });
    expect(diagnostics.filter((d) => d.severity === 'error')).toEqual([]);
    const plan = schedulePlan(p!);
    expect(plan).toEqual({
      timezone: 'Europe/Berlin',
      scheduled: [
        { name: 'own', cron: '*/5 * * * *', from: 'definition' },
        { name: 'plain', cron: '0 9 * * 1', from: 'project default' },
        { name: 'logins', cron: '0 9 * * 1', from: 'project default' },
      ],
      unscheduled: [],
    });
    // Monday 09:00 in Berlin is 07:00 UTC in summer
    expect(new CronSlots('0 9 * * 1', 'Europe/Berlin').after(new Date('2024-06-01T00:00:00Z'))!.toISOString()).toBe(
      '2024-06-03T07:00:00.000Z',
    );
  });

  it('leaves definitions without a schedule out when there is no default', async () => {
    const { project: p } = await loadProject(await project(''), { dialects: dialectNamed });
    expect(schedulePlan(p!)).toEqual({
      timezone: 'UTC',
      scheduled: [{ name: 'own', cron: '*/5 * * * *', from: 'definition' }],
      unscheduled: ['plain', 'logins'],
    });
  });

  it('reports a bad time zone and a bad default cron at their lines', async () => {
    const { diagnostics } = await loadProject(await project('schedule:\n  default: "every hour"\n  timezone: Mars/Olympus\n'), { dialects: dialectNamed });
    const errors = diagnostics.filter((d) => d.severity === 'error');
    expect(errors.map((d) => [d.code, d.loc?.line])).toEqual([['invalid_value', 6]]);
    expect(errors[0].message).toContain('"every hour", which is not a cron expression');
    const zone = await loadProject(await project('schedule:\n  timezone: Mars/Olympus\n'), { dialects: dialectNamed });
    expect(zone.diagnostics.map((d) => d.message)).toEqual(['"schedule": "timezone" is "Mars/Olympus", which is not an IANA time zone.']);
  });

  it('checks each cron with croner at load, at its value\'s line and column', async () => {
    const dir = await project('schedule:\n  default: "0 25 * * *"\n');
    await writeFile(path.join(dir, 'audiences', 'c.yml'), 'audience: bad\nlevel: user\nschedule: "61 * * * *"\nwhere: { trait: role, equals: Admin }\n');
    await writeFile(path.join(dir, 'audiences', 'd.yml'), 'audience: never\nlevel: user\nschedule: "0 0 31 2 *"\nwhere: { trait: role, equals: Admin }\n');
    const { diagnostics } = await loadProject(dir, { dialects: dialectNamed });
    const errors = diagnostics.filter((d) => d.severity === 'error');
    expect(errors.map((d) => [d.loc?.file, d.loc?.line, d.loc?.col])).toEqual([
      ['quorum.yml', 6, 12],
      ['audiences/c.yml', 3, 11],
      ['audiences/d.yml', 3, 11],
    ]);
    expect(errors[0].message).toBe('"schedule": "default" is "0 25 * * *", which is not a valid cron expression: Invalid value for hour: 25.');
    expect(errors[1].message).toContain('"61 * * * *", which is not a valid cron expression: Invalid value for minute: 61');
    expect(errors[2].message).toContain('"0 0 31 2 *", which never falls due');
  });

  it("names a cron's own line when the plan cannot read it", async () => {
    const { project: p } = await loadProject(await project('schedule:\n  default: "0 9 * * 1"\n'), { dialects: dialectNamed });
    const broken = { ...p!, definitions: p!.definitions.map((d) => (d.kind === 'audience' && d.name === 'own' ? { ...d, schedule: '61 * * * *' } : d)) };
    expect(() => schedulePlan(broken)).toThrow(expect.objectContaining({ diagnostics: [expect.objectContaining({ loc: expect.objectContaining({ file: 'audiences/a.yml', line: 3, col: 11 }) as unknown })] }) as Error);
    const config = { ...p!.config, schedule: { ...p!.config.schedule!, default: '0 25 * * *' } };
    expect(() => schedulePlan({ ...p!, config }, new Set(['plain']))).toThrow(expect.objectContaining({ diagnostics: [expect.objectContaining({ loc: expect.objectContaining({ file: 'quorum.yml', line: 6, col: 12 }) as unknown })] }) as Error);
  });

  it('refuses a plan with nothing to run, naming why', async () => {
    const { project: p } = await loadProject(await project(''), { dialects: dialectNamed });
    expect(() => schedulePlan(p!, new Set(['plain']))).toThrow('quorum schedule has nothing to run: "plain" has no schedule of its own, and quorum.yml has no "schedule": "default".');
    expect(() => schedulePlan(p!, new Set(['plain', 'logins']))).toThrow('none of the 2 definitions (plain, logins) has a schedule of its own');
  });

  it('counts missed slots and finds the latest one', () => {
    const hourly = new CronSlots('0 * * * *', 'UTC');
    expect(hourly.atOrBefore(new Date('2024-06-03T10:40:00Z'))!.toISOString()).toBe('2024-06-03T10:00:00.000Z');
    expect(hourly.atOrBefore(new Date('2024-06-03T10:00:00Z'))!.toISOString()).toBe('2024-06-03T10:00:00.000Z');
    expect(hourly.countBetween(new Date('2024-06-03T07:00:00Z'), new Date('2024-06-03T10:40:00Z'))).toBe(4);
  });
});
