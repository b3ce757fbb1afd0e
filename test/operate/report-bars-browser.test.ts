// The report's entered / exited bars in a real headless Chromium (Debian's, driven by
// playwright-core), measured on the canvas: a single exit beside a thousand entries is a bar of a
// few pixels, not a 1 px line; two runs at the same as_of are two bars side by side, labelled
// apart; and this holds on a phone-wide page with a hundred and twenty runs.
import { existsSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ReportData, ReportDefinition, ReportRun } from '../../src/report/report-data.js';
import { reportHtml } from '../../src/report/report-html.js';

const CHROMIUM = '/usr/bin/chromium';
const haveChromium = existsSync(CHROMIUM);

function run(i: number, as_of: string, entered: number, exited: number): ReportRun {
  return { run_id: `r${i}`, as_of, started_at: as_of, seconds: 1, status: 'succeeded', size: 1000 + entered - exited, entered, exited, changed: 0, blocked: false, mode: 'full', rows_read: null, drift: null };
}

function audience(name: string, runs: ReportRun[]): ReportDefinition {
  return { name, kind: 'audience', level: 'account', description: null, file: `audiences/${name}.yml`, schedule: null, runs, breakdown: null, sql: 'select 1' };
}

const SKEWED = [
  run(1, '2024-06-01T00:00:00.000Z', 1000, 0),
  run(2, '2024-06-02T00:00:00.000Z', 0, 1), // one exit: must show beside the thousand
  run(3, '2024-06-02T00:00:00.000Z', 1, 0), // the same as_of again: a slot of its own
  run(4, '2024-06-03T00:00:00.000Z', 480, 2),
];
const MANY = Array.from({ length: 120 }, (_, i) => run(100 + i, new Date(Date.UTC(2024, 0, 1) + i * 3_600_000).toISOString(), i % 7 === 0 ? 900 : 1, i % 5 === 0 ? 1 : 0));

const DATA: ReportData = {
  project: 'bars',
  generated_at: '2024-06-04T00:00:00.000Z',
  warehouse: 'duckdb',
  state_schema: 'quorum',
  runs: SKEWED.length + MANY.length,
  unreadable_runs: [],
  definitions: [audience('skewed', SKEWED), audience('many_runs', MANY)],
};

interface Bar {
  readonly series: 'entered' | 'exited';
  readonly run: number;
  readonly value: number;
  /** CSS pixels painted in the series' colour, up (entered) or down (exited) from the zero line. */
  readonly height: number;
  readonly width: number;
  readonly x: number;
}

if (!haveChromium) {
  process.stderr.write(`SKIP test/operate/report-bars-browser.test.ts: no Chromium at ${CHROMIUM}; run .ci/install-chromium.sh to install it\n`);
}

describe.skipIf(!haveChromium)('report bars in headless Chromium (skipped without /usr/bin/chromium: run .ci/install-chromium.sh)', () => {
  let dir: string;
  let file: string;
  beforeAll(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'quorum-bars-'));
    file = path.join(dir, 'report.html');
    await writeFile(file, reportHtml(DATA));
  });
  afterAll(async () => {
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  async function measure(viewport: { width: number; height: number }, deviceScaleFactor: number): Promise<{ definition: string; labels: string[]; bars: Bar[] }[]> {
    const { chromium } = await import('playwright-core');
    const browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--headless', '--no-sandbox', '--disable-gpu', '--no-first-run'] });
    try {
      const page = await browser.newPage({ viewport, deviceScaleFactor });
      const problems: string[] = [];
      page.on('pageerror', (e) => problems.push(String(e)));
      await page.goto(`file://${file}`);
      await page.waitForSelector('body[data-charts-ready="true"]', { timeout: 10_000 });
      expect(problems).toEqual([]);
      return await page.evaluate(() => {
        interface Plot {
          data: (number | null)[][];
          ctx: CanvasRenderingContext2D;
          valToPos(v: number, scale: string, canvasPixels: boolean): number;
        }
        const colours: Record<string, number[]> = { entered: [26, 158, 90], exited: [210, 65, 58] };
        const ratio = window.devicePixelRatio;
        const list = (window as unknown as { quorumCharts: { definition: string; kind: string; plot: Plot; labels: string[] }[] }).quorumCharts;
        return list
          .filter((c) => c.kind === 'flow')
          .map(({ definition, plot, labels }) => {
            const image = plot.ctx.getImageData(0, 0, plot.ctx.canvas.width, plot.ctx.canvas.height);
            const painted = (x: number, y: number, want: number[]) => {
              if (x < 0 || y < 0 || x >= image.width || y >= image.height) return false;
              const at = (Math.round(y) * image.width + Math.round(x)) * 4;
              return [0, 1, 2].every((c) => Math.abs(image.data[at + c] - want[c]) <= 40) && image.data[at + 3] > 100;
            };
            const bars: Bar[] = [];
            (['entered', 'exited'] as const).forEach((series, k) => {
              const want = colours[series];
              const dir = series === 'entered' ? -1 : 1;
              plot.data[k + 1].forEach((v, i) => {
                if (v === null || v === 0) return;
                const x = plot.valToPos(i, 'x', true);
                const y0 = plot.valToPos(0, 'y', true);
                let h = 0;
                while (h < image.height && !painted(x, y0 + dir * (h + 0.5), want) && h < 4) h++; // the axis line may sit on zero
                const start = h;
                while (painted(x, y0 + dir * (h + 0.5), want)) h++;
                const row = y0 + dir * (start + 1);
                let left = 0;
                while (painted(x - left - 1, row, want)) left++;
                let right = 0;
                while (painted(x + right + 1, row, want)) right++;
                bars.push({ series, run: i, value: Math.abs(v), height: (h - start) / ratio, width: (left + right + 1) / ratio, x: x / ratio });
              });
            });
            return { definition, labels, bars };
          });
      });
    } finally {
      await browser.close();
    }
  }

  for (const [name, viewport, scale] of [
    ['a desktop page', { width: 1280, height: 900 }, 1],
    ['a phone-wide page at 2x', { width: 360, height: 800 }, 2],
  ] as const) {
    it(`every bar is at least 3 px high and wide on ${name}`, async () => {
      const charts = await measure(viewport, scale);
      expect(charts.map((c) => c.definition)).toEqual(['skewed', 'many_runs']);
      for (const chart of charts) {
        const expected = DATA.definitions.find((d) => d.name === chart.definition)!.runs.flatMap((r) => [r.entered, r.exited]).filter((n) => n > 0).length;
        expect(chart.bars, chart.definition).toHaveLength(expected);
        for (const bar of chart.bars) {
          expect(bar.height, `${chart.definition} run ${bar.run} ${bar.series} ${bar.value}: height`).toBeGreaterThanOrEqual(2.5);
          expect(bar.width, `${chart.definition} run ${bar.run} ${bar.series} ${bar.value}: width`).toBeGreaterThanOrEqual(2.5);
        }
      }
      const skewed = charts[0];
      const single = skewed.bars.find((b) => b.series === 'exited' && b.run === 1)!;
      const thousand = skewed.bars.find((b) => b.series === 'entered' && b.run === 0)!;
      expect(single.height).toBeLessThan(thousand.height / 10); // still to scale where it can be
      // the two runs at 2024-06-02: two bars side by side, not one over the other, labelled apart
      const same = skewed.bars.filter((b) => b.run === 1 || b.run === 2);
      expect(same.map((b) => b.series)).toEqual(['entered', 'exited']);
      expect(Math.abs(same[0].x - same[1].x)).toBeGreaterThanOrEqual(Math.max(same[0].width, same[1].width));
      expect(skewed.labels.slice(1, 3)).toEqual(['2024-06-02 00:00', '2024-06-02 00:00 #2']);
    }, 60_000);
  }
});
