// `quorum report`: one static HTML file with no network dependency. uPlot's JS and CSS are
// inlined from node_modules; the data travels as JSON in a <script type="application/json">.
// Every text from a definition or the warehouse is escaped (esc for HTML, jsonForScript for JSON
// inside <script>), so a hostile name or description cannot break out of the page.
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import type { ReportData, ReportDefinition } from './report-data.js';

const require = createRequire(import.meta.url);

function uplotAsset(file: 'uPlot.iife.min.js' | 'uPlot.min.css'): string {
  return readFileSync(require.resolve(`uplot/dist/${file}`), 'utf8');
}

/** Text for HTML element content and attribute values. */
export function esc(value: unknown): string {
  return String(value ?? '')
    .replaceAll('&', '&amp;')
    .replaceAll('<', '&lt;')
    .replaceAll('>', '&gt;')
    .replaceAll('"', '&quot;')
    .replaceAll("'", '&#39;');
}

/** JSON that is safe inside <script>: no `</script>`, no `<!--`, no U+2028/9 surprises. */
export function jsonForScript(value: unknown): string {
  return JSON.stringify(value)
    .replaceAll('<', '\\u003c')
    .replaceAll('>', '\\u003e')
    .replaceAll('&', '\\u0026')
    .replaceAll('\u2028', '\\u2028')
    .replaceAll('\u2029', '\\u2029');
}

/** Inlined code must not close its own <script> / <style> element. */
function inlineSafe(code: string, tag: 'script' | 'style'): string {
  return code.replace(new RegExp(`</${tag}`, 'gi'), `<\\/${tag}`);
}

const CSS = `
:root { --fg: #1d2330; --muted: #5d6677; --line: #e3e6ec; --bg: #f6f7f9; --card: #fff; --enter: #1a9e5a; --exit: #d2413a; --size: #3461d1; --change: #b07a12; }
* { box-sizing: border-box; }
body { margin: 0; font: 14px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; color: var(--fg); background: var(--bg); }
header { padding: 20px 28px 12px; border-bottom: 1px solid var(--line); background: var(--card); }
header h1 { margin: 0 0 4px; font-size: 20px; }
header p { margin: 0; color: var(--muted); }
nav { padding: 10px 28px; display: flex; flex-wrap: wrap; gap: 6px 14px; }
nav a { color: var(--size); text-decoration: none; }
main { padding: 8px 28px 28px; display: grid; gap: 18px; }
section.definition { background: var(--card); border: 1px solid var(--line); border-radius: 8px; padding: 16px 18px; }
section h2 { margin: 0; font-size: 17px; }
.meta { color: var(--muted); margin: 2px 0 10px; }
.badge { display: inline-block; padding: 0 7px; border-radius: 9px; background: #eef1f7; color: var(--muted); font-size: 12px; margin-left: 6px; }
.charts { display: grid; grid-template-columns: repeat(auto-fit, minmax(420px, 1fr)); gap: 12px; }
.chart h3, .panel h3 { margin: 6px 0; font-size: 13px; font-weight: 600; color: var(--muted); }
.empty { color: var(--muted); font-style: italic; }
table { border-collapse: collapse; font-variant-numeric: tabular-nums; }
th, td { padding: 3px 10px 3px 0; text-align: left; border-bottom: 1px solid var(--line); }
td.n, th.n { text-align: right; }
.panels { display: grid; grid-template-columns: repeat(auto-fit, minmax(420px, 1fr)); gap: 12px; margin-top: 8px; }
.cond { white-space: pre-wrap; }
pre { margin: 0; padding: 10px; background: #f3f4f7; border-radius: 6px; overflow: auto; max-height: 360px; font-size: 12px; }
details summary { cursor: pointer; color: var(--muted); margin: 8px 0 4px; }
.blocked { color: var(--exit); }
`;

// Runs in the page: one size chart and one entered / exited chart per definition. After each
// draw it records how many points it plotted (data-points) for the browser test.
const PAGE_SCRIPT = `
(function () {
  var data = JSON.parse(document.getElementById('quorum-data').textContent);
  var charts = [];
  window.quorumCharts = charts;
  var utc = function (ts) { return uPlot.tzDate(new Date(ts * 1e3), 'Etc/UTC'); };
  var abs = function (u, v) { return v == null ? '-' : String(Math.abs(v)); };
  function width(el) { return Math.max(320, el.clientWidth || 480); }
  function make(el, kind, d) {
    var xs = d.runs.map(function (r) { return Date.parse(r.as_of) / 1000; });
    var opts, series;
    if (kind === 'size') {
      series = [xs, d.runs.map(function (r) { return r.size; })];
      opts = { series: [{}, { label: d.kind === 'audience' ? 'members' : 'entities with a value', stroke: '#3461d1', width: 2, fill: 'rgba(52,97,209,0.08)', points: { show: true, size: 7, fill: '#3461d1' } }] };
    } else {
      var bars = uPlot.paths.bars({ size: [0.6, 40] });
      series = [xs, d.runs.map(function (r) { return r.entered; }), d.runs.map(function (r) { return -r.exited; })];
      opts = { series: [{},
        { label: 'entered', stroke: '#1a9e5a', fill: 'rgba(26,158,90,0.75)', paths: bars, points: { show: false } },
        { label: 'exited', stroke: '#d2413a', fill: 'rgba(210,65,58,0.75)', paths: bars, points: { show: false }, value: abs }] };
      if (d.kind !== 'audience') {
        series.push(d.runs.map(function (r) { return r.changed; }));
        opts.series.push({ label: 'changed', stroke: '#b07a12', width: 2, points: { show: true, size: 7, fill: '#b07a12' } });
      }
    }
    opts.width = width(el);
    opts.height = 220;
    opts.tzDate = utc;
    // Half a gap of room on either side, so the first and last bars are whole.
    var gap = Infinity;
    for (var k = 1; k < xs.length; k++) if (xs[k] > xs[k - 1]) gap = Math.min(gap, xs[k] - xs[k - 1]);
    if (gap === Infinity) gap = 86400; // one run: a day either side
    opts.scales = {
      x: { time: true, range: function (u, min, max) { return [min - gap / 2, max + gap / 2]; } },
      y: { range: function (u, min, max) {
        var lo = Math.min(0, min), hi = Math.max(1, max);
        return [lo === 0 ? 0 : lo * 1.15, hi * 1.15];
      } },
    };
    opts.axes = [{}, { values: kind === 'size' ? undefined : function (u, vs) { return vs.map(function (v) { return Math.abs(v); }); } }];
    opts.hooks = { draw: [function (u) { el.dataset.points = String(u.data[0].length); el.dataset.drawn = 'true'; }] };
    var plot = new uPlot(opts, series, el);
    charts.push({ definition: d.name, kind: kind, el: el, plot: plot });
  }
  data.definitions.forEach(function (d, i) {
    if (d.runs.length === 0) return;
    make(document.getElementById('size-' + i), 'size', d);
    make(document.getElementById('flow-' + i), 'flow', d);
  });
  window.addEventListener('resize', function () {
    charts.forEach(function (c) { c.plot.setSize({ width: width(c.el), height: 220 }); });
  });
  document.body.dataset.chartsReady = 'true';
})();
`;

function number(n: number): string {
  return n.toLocaleString('en-US');
}

function runsTable(d: ReportDefinition): string {
  const rows = [...d.runs]
    .reverse()
    .slice(0, 12)
    .map(
      (r) =>
        `<tr data-run="${esc(r.run_id)}"><td>${esc(r.as_of.replace('T', ' ').replace('.000Z', 'Z'))}</td><td class="${r.blocked ? 'blocked' : ''}">${esc(r.blocked ? 'blocked' : r.status)}</td>` +
        `<td class="n">${number(r.size)}</td><td class="n">${number(r.entered)}</td><td class="n">${number(r.exited)}</td><td class="n">${number(r.changed)}</td>` +
        `<td class="n">${r.seconds === null ? '' : esc(r.seconds.toFixed(1))}</td></tr>`,
    )
    .join('');
  return `<table class="runs"><thead><tr><th>as of (UTC)</th><th>status</th><th class="n">size</th><th class="n">entered</th><th class="n">exited</th><th class="n">changed</th><th class="n">s</th></tr></thead><tbody>${rows}</tbody></table>${
    d.runs.length > 12 ? `<p class="meta">the latest 12 of ${d.runs.length} runs</p>` : ''
  }`;
}

function breakdownTable(d: ReportDefinition): string {
  if (d.kind !== 'audience') return '<p class="empty">traits have no conditions</p>';
  if (!d.breakdown) return '<p class="empty">no run yet</p>';
  const rows = d.breakdown.conditions
    .map((c) => `<tr><td class="cond">${esc('  '.repeat(c.depth) + c.condition)}</td><td class="n">${number(c.matched)}</td></tr>`)
    .join('');
  return `<table class="breakdown"><thead><tr><th>condition (as of ${esc(d.breakdown.as_of)})</th><th class="n">matched</th></tr></thead><tbody>${rows}</tbody></table>`;
}

function section(d: ReportDefinition, i: number): string {
  const kind = d.kind.replace('_', ' ');
  const charts =
    d.runs.length === 0
      ? '<p class="empty">no runs recorded yet: run <code>quorum run</code> or <code>quorum schedule</code></p>'
      : `<div class="charts"><div class="chart"><h3>size over time</h3><div class="plot" id="size-${i}" data-definition="${esc(d.name)}" data-kind="size"></div></div>` +
        `<div class="chart"><h3>entered (up) and exited (down) per run${d.kind === 'audience' ? '' : ', changed values'}</h3><div class="plot" id="flow-${i}" data-definition="${esc(d.name)}" data-kind="flow"></div></div></div>`;
  return `<section class="definition" id="def-${esc(d.name)}" data-definition="${esc(d.name)}">
<h2>${esc(d.name)}<span class="badge">${esc(d.level)} ${esc(kind)}</span>${d.schedule ? `<span class="badge">${esc(d.schedule)}</span>` : ''}</h2>
<p class="meta">${esc(d.description ?? '')}${d.description ? ' · ' : ''}${esc(d.file)}</p>
${charts}
<div class="panels"><div class="panel"><h3>runs</h3>${d.runs.length === 0 ? '<p class="empty">none</p>' : runsTable(d)}</div><div class="panel"><h3>per-condition breakdown of the latest run</h3>${breakdownTable(d)}</div></div>
<details><summary>compiled SQL</summary><pre>${esc(d.sql)}</pre></details>
</section>`;
}

export function reportHtml(data: ReportData): string {
  const title = `quorum report: ${data.project}`;
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; script-src 'unsafe-inline'; style-src 'unsafe-inline'; img-src data:">
<title>${esc(title)}</title>
<style>${inlineSafe(uplotAsset('uPlot.min.css'), 'style')}</style>
<style>${CSS}</style>
</head>
<body>
<header><h1>${esc(title)}</h1><p>${esc(data.definitions.length)} definitions · ${esc(data.runs)} runs in ${esc(data.warehouse)} state schema "${esc(data.state_schema)}" · generated ${esc(data.generated_at)}</p></header>
<nav>${data.definitions.map((d) => `<a href="#def-${esc(d.name)}">${esc(d.name)}</a>`).join('')}</nav>
<main>
${data.definitions.map(section).join('\n')}
</main>
<script type="application/json" id="quorum-data">${jsonForScript(data)}</script>
<script>${inlineSafe(uplotAsset('uPlot.iife.min.js'), 'script')}</script>
<script>${PAGE_SCRIPT}</script>
</body>
</html>
`;
}
