// `quorum report` opened in a real headless Chromium (Debian's, driven by playwright-core): every
// chart drew every one of its points, and the numbers are those of `quorum history --json`.
// Skipped, with a line that says so, only where /usr/bin/chromium is missing
// (.ci/install-chromium.sh installs it).
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dialectNamed } from '../../dialects/registry.js';
import { loggedRun } from '../../src/logging/logged-run.js';
import { memoryLogger } from '../../src/logging/logger.js';
import { RecordingDestination, writeOperateProject } from './support/operate-project.js';

const CHROMIUM = '/usr/bin/chromium';
const haveChromium = existsSync(CHROMIUM);
const ROOT = path.resolve(import.meta.dirname, '../..');
const ARTIFACTS = path.join(ROOT, 'test-artifacts');
const AS_OFS = [
  '2024-06-02T00:00:00Z',
  '2024-06-03T12:00:00Z',
  '2024-06-05T00:00:00Z',
  '2024-06-06T00:00:00Z',
  '2024-06-08T06:00:00Z',
  '2024-06-10T00:00:00Z',
];
const run = promisify(execFile);

async function quorum(...args: string[]): Promise<string> {
  const { stdout } = await run(process.execPath, ['--import', 'tsx', path.join(ROOT, 'test/sync/support/quorum-cli.ts'), ...args], {
    cwd: ROOT,
    maxBuffer: 64 * 1024 * 1024,
  });
  return stdout;
}

interface HistoryJson {
  runs: {
    run_id: string;
    as_of: string;
    started_at: string;
    definitions: { name: string; size: number; entered: number; exited: number; changed: number }[];
  }[];
}

interface ChartCheck {
  definition: string;
  kind: 'size' | 'flow';
  xs: number[];
  labels: string[];
  series: { label: string; values: (number | null)[]; painted: number; expected: number }[];
  points: string | undefined;
}

if (!haveChromium) {
  process.stderr.write(`SKIP test/operate/report-browser.test.ts: no Chromium at ${CHROMIUM}; run .ci/install-chromium.sh to install it\n`);
}

describe.skipIf(!haveChromium)('quorum report in headless Chromium (skipped without /usr/bin/chromium: run .ci/install-chromium.sh)', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'quorum-report-'));
    await writeOperateProject(dir, { adminsSchedule: '*/15 * * * *', accountsSchedule: '0 * * * *', defaultSchedule: '0 0 * * *' });
    // A hostile description: the report must show it as text, not run it.
    const file = path.join(dir, 'audiences', 'active_accounts.yml');
    const yaml = await readFile(file, 'utf8');
    await writeFile(
      file,
      yaml.replace(
        'description: Accounts with a login in 3 days',
        `description: "</script><script>window.pwned=1</script> <b>bold</b> & 'quotes'"`,
      ),
    );
    const destinations = new Map([['audit', new RecordingDestination('audit')]]);
    for (const asOf of AS_OFS) {
      await loggedRun({
        root: dir,
        dialects: dialectNamed,
        definitions: ['active_accounts', 'active_admins', 'logins_3d'],
        asOf,
        logger: memoryLogger(),
        destinations,
        allowMassExit: true,
      });
    }
  }, 60_000);

  afterAll(async () => {
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('draws every point of every chart, with the numbers of quorum history --json', async () => {
    const out = path.join(dir, 'report.html');
    // one after the other: a DuckDB file takes one process at a time
    await quorum('report', '--project', dir, '--out', out);
    const historyText = await quorum('history', '--project', dir, '--json', '--limit', '1000');
    const recorded = JSON.parse(historyText) as HistoryJson;
    expect(recorded.runs).toHaveLength(AS_OFS.length);
    const html = await readFile(out, 'utf8');
    expect(html).not.toMatch(/<(script|link|img)[^>]+(src|href)=/i); // nothing to fetch
    expect(html).toContain('&lt;/script&gt;&lt;script&gt;window.pwned=1&lt;/script&gt; &lt;b&gt;bold&lt;/b&gt; &amp; &#39;quotes&#39;');

    const { chromium } = await import('playwright-core');
    const browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: [
        '--headless',
        '--no-sandbox',
        '--disable-gpu',
        '--disable-quic',
        '--no-first-run',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
      ],
    });
    try {
      const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
      const problems: string[] = [];
      const requests: string[] = [];
      page.on('pageerror', (e) => problems.push(String(e)));
      page.on('console', (m) => m.type() === 'error' && problems.push(m.text()));
      page.on('request', (r) => !r.url().startsWith('file:') && requests.push(r.url()));
      await page.goto(`file://${out}`);
      await page.waitForSelector('body[data-charts-ready="true"]', { timeout: 10_000 });
      expect(problems).toEqual([]);
      expect(requests).toEqual([]);
      expect(await page.evaluate(() => (window as unknown as { pwned?: number }).pwned)).toBeUndefined();

      // For every chart and series: the pixel where each point (or the middle of each bar) lies
      // is painted in the series' colour on the canvas.
      const colours: Record<string, number[]> = {
        members: [52, 97, 209],
        'entities with a value': [52, 97, 209],
        entered: [26, 158, 90],
        exited: [210, 65, 58],
        changed: [176, 122, 18],
      };
      const charts = (await page.evaluate((colours) => {
        interface Plot {
          data: (number | null)[][];
          series: { label: string; scale: string; paths?: unknown }[];
          ctx: CanvasRenderingContext2D;
          valToPos(v: number, scale: string, canvasPixels: boolean): number;
        }
        const list = (window as unknown as { quorumCharts: { definition: string; kind: string; el: HTMLElement; plot: Plot; labels: string[] }[] })
          .quorumCharts;
        return list.map(({ definition, kind, el, plot, labels }) => {
          const xs = plot.data[0] as number[];
          const series = plot.series.slice(1).map((s, k) => {
            const values = plot.data[k + 1];
            const bars = s.label === 'entered' || s.label === 'exited';
            let painted = 0;
            let expected = 0;
            values.forEach((v, i) => {
              if (v === null || (bars && v === 0)) return;
              expected += 1;
              const x = plot.valToPos(xs[i], 'x', true);
              const y = plot.valToPos(v, s.scale, true);
              const y0 = bars ? plot.valToPos(0, s.scale, true) : y;
              const pixel = plot.ctx.getImageData(Math.round(x), Math.round((y + y0) / 2), 1, 1).data;
              const want = colours[s.label];
              const near = [0, 1, 2].every((c) => Math.abs(pixel[c] - want[c]) <= 40);
              if (near && pixel[3] > 100) painted += 1;
            });
            return { label: s.label, values, painted, expected };
          });
          return { definition, kind, xs, labels, series, points: el.dataset.points };
        });
      }, colours)) as ChartCheck[];

      const names = ['active_accounts', 'active_admins', 'logins_3d'];
      expect(charts.map((c) => `${c.definition}/${c.kind}`)).toEqual(names.flatMap((n) => [`${n}/size`, `${n}/flow`]));
      for (const chart of charts) {
        const runs = recorded.runs
          .filter((r) => r.definitions.some((d) => d.name === chart.definition))
          .sort((a, b) => Date.parse(a.as_of) - Date.parse(b.as_of));
        const mine = runs.map((r) => r.definitions.find((d) => d.name === chart.definition)!);
        // one slot per run, oldest first, labelled with its as_of (runs at one as_of stay apart)
        expect(chart.xs, chart.definition).toEqual(runs.map((_, i) => i));
        expect(chart.labels, chart.definition).toEqual(runs.map((r) => r.as_of.slice(0, 16).replace('T', ' ')));
        expect(chart.points).toBe(String(runs.length));
        const expected: Record<string, number[]> =
          chart.kind === 'size'
            ? { [chart.series[0].label]: mine.map((d) => d.size) }
            : {
                entered: mine.map((d) => d.entered),
                exited: mine.map((d) => -d.exited),
                ...(chart.definition === 'logins_3d' ? { changed: mine.map((d) => d.changed) } : {}),
              };
        expect(Object.fromEntries(chart.series.map((s) => [s.label, s.values])), `${chart.definition}/${chart.kind}`).toEqual(expected);
        for (const s of chart.series) {
          expect(s.painted, `${chart.definition}/${chart.kind}/${s.label}: painted points`).toBe(s.expected);
        }
      }
      // at least one chart had something to draw in each series kind
      expect(charts.some((c) => c.series.some((s) => s.label === 'exited' && s.expected > 0))).toBe(true);
      expect(charts.reduce((n, c) => n + c.series.reduce((m, s) => m + s.painted, 0), 0)).toBeGreaterThan(30);

      // the runs table shows the same numbers, newest first
      const firstRow = await page.$$eval('section[data-definition="active_admins"] table.runs tbody tr:first-child td', (cells) =>
        cells.map((c) => c.textContent),
      );
      const latest = recorded.runs[0].definitions.find((d) => d.name === 'active_admins')!;
      expect(firstRow[1]).toBe(recorded.runs[0].run_id);
      expect(firstRow.slice(3, 7)).toEqual([latest.size, latest.entered, latest.exited, latest.changed].map(String));
      // the breakdown's first row (the whole condition) is the latest size
      const top = await page.$eval(
        'section[data-definition="active_admins"] table.breakdown tbody tr:first-child td.n',
        (c) => c.textContent,
      );
      expect(top).toBe(String(latest.size));

      await mkdir(ARTIFACTS, { recursive: true });
      await page.screenshot({ path: path.join(ARTIFACTS, 'report.png'), fullPage: true });
    } finally {
      await browser.close();
    }
  }, 60_000);
});
