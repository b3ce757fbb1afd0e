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
// draw it records how many points it plotted (data-points) for the browser test. The x axis is
// the run's place in the history, labelled with its as_of: runs at the same as_of (a re-run, a
// catch-up) get slots of their own, and every run a bar as wide as the others. A bar is at least
// MIN_BAR_PX high, so a single exit beside a thousand entries still shows.
const PAGE_SCRIPT = `
(function () {
  var MIN_BAR_PX = 3, MIN_BAR_WIDTH_PX = 3, MAX_BAR_WIDTH_PX = 40;
  var data = JSON.parse(document.getElementById('quorum-data').textContent);
  var charts = [];
  window.quorumCharts = charts;
  var abs = function (u, v) { return v == null ? '-' : String(Math.abs(v)); };
  function width(el) { return Math.max(320, el.clientWidth || 480); }
  function labels(runs) {
    var seen = {};
    return runs.map(function (r) {
      var t = r.as_of.slice(0, 16).replace('T', ' ');
      seen[t] = (seen[t] || 0) + 1;
      return seen[t] > 1 ? t + ' #' + seen[t] : t;
    });
  }
  function bars(u, seriesIdx, idx0, idx1) {
    var px = uPlot.pxRatio || 1;
    var xs = u.data[0], ys = u.data[seriesIdx], path = new Path2D();
    var slot = Math.abs(u.valToPos(1, 'x', true) - u.valToPos(0, 'x', true));
    var w = Math.max(MIN_BAR_WIDTH_PX * px, Math.min(slot * 0.6, MAX_BAR_WIDTH_PX * px));
    var y0 = u.valToPos(0, 'y', true);
    for (var i = idx0; i <= idx1; i++) {
      var v = ys[i];
      if (v == null || v === 0) continue;
      var h = u.valToPos(v, 'y', true) - y0;
      if (Math.abs(h) < MIN_BAR_PX * px) h = (v > 0 ? -1 : 1) * MIN_BAR_PX * px;
      path.rect(Math.round(u.valToPos(xs[i], 'x', true) - w / 2), Math.round(y0), Math.round(w), Math.round(h));
    }
    return { stroke: path, fill: path };
  }
  function make(el, kind, d) {
    var xs = d.runs.map(function (r, i) { return i; });
    var names = labels(d.runs);
    var opts, series;
    if (kind === 'size') {
      series = [xs, d.runs.map(function (r) { return r.size; })];
      opts = { series: [{}, { label: d.kind === 'audience' ? 'members' : 'entities with a value', stroke: '#3461d1', width: 2, fill: 'rgba(52,97,209,0.08)', points: { show: true, size: 7, fill: '#3461d1' } }] };
    } else {
      series = [xs, d.runs.map(function (r) { return r.entered; }), d.runs.map(function (r) { return -r.exited; })];
      opts = { series: [{},
        { label: 'entered', stroke: '#1a9e5a', fill: '#1a9e5a', paths: bars, points: { show: false } },
        { label: 'exited', stroke: '#d2413a', fill: '#d2413a', paths: bars, points: { show: false }, value: abs }] };
      if (d.kind !== 'audience') {
        series.push(d.runs.map(function (r) { return r.changed; }));
        opts.series.push({ label: 'changed', stroke: '#b07a12', width: 2, points: { show: true, size: 7, fill: '#b07a12' } });
      }
    }
    opts.series[0] = { label: 'run (as of, UTC)', value: function (u, i) { return i == null ? '-' : names[i] + ' · ' + d.runs[i].run_id; } };
    opts.width = width(el);
    opts.height = 220;
    opts.scales = {
      x: { time: false, range: function () { return [-0.5, xs.length - 0.5]; } },
      // room on both sides of zero for the smallest bar, however large the other side is
      y: { range: function (u, min, max) {
        var lo = Math.min(0, min), hi = Math.max(1, max), span = hi - lo;
        return [lo === 0 ? 0 : Math.min(lo * 1.15, -0.06 * span), Math.max(hi * 1.15, 0.06 * span)];
      } },
    };
    opts.axes = [
      { splits: function (u) {
          var room = Math.max(1, Math.floor(u.bbox.width / (uPlot.pxRatio || 1) / 110));
          var step = Math.max(1, Math.ceil(xs.length / room));
          return xs.filter(function (i) { return i % step === 0; });
        },
        values: function (u, vs) { return vs.map(function (i) { return names[i] === undefined ? '' : names[i]; }); } },
      { values: kind === 'size' ? undefined : function (u, vs) { return vs.map(function (v) { return Math.abs(v); }); } },
    ];
    opts.hooks = { draw: [function (u) { el.dataset.points = String(u.data[0].length); el.dataset.drawn = 'true'; }] };
    var plot = new uPlot(opts, series, el);
    charts.push({ definition: d.name, kind: kind, el: el, plot: plot, labels: names });
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
        `<tr data-run="${esc(r.run_id)}"><td>${esc(r.as_of.replace('T', ' ').replace('.000Z', 'Z'))}</td><td class="run">${esc(r.run_id)}</td><td class="${r.blocked ? 'blocked' : ''}">${esc(r.blocked ? 'blocked' : r.status)}</td>` +
        `<td class="n">${number(r.size)}</td><td class="n">${number(r.entered)}</td><td class="n">${number(r.exited)}</td><td class="n">${number(r.changed)}</td>` +
        `<td>${esc(r.mode ?? '')}</td><td class="n">${r.rows_read === null ? '' : number(r.rows_read)}</td>` +
        `<td class="n${r.drift ? ' blocked' : ''}">${r.drift === null ? '' : number(r.drift)}</td>` +
        `<td class="n">${r.seconds === null ? '' : esc(r.seconds.toFixed(1))}</td></tr>`,
    )
    .join('');
  return `<table class="runs"><thead><tr><th>as of (UTC)</th><th>run</th><th>status</th><th class="n">size</th><th class="n">entered</th><th class="n">exited</th><th class="n">changed</th><th>mode</th><th class="n">rows read</th><th class="n" title="entities quorum state verify found different from a full recomputation">drift</th><th class="n">s</th></tr></thead><tbody>${rows}</tbody></table>${
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

/** Runs the report cannot place: their summary in the state was edited by hand. */
function unreadableNote(runIds: readonly string[]): string {
  if (runIds.length === 0) return '';
  const shown = runIds.slice(0, 5).join(', ') + (runIds.length > 5 ? ', ...' : '');
  return `<p class="meta">${esc(runIds.length)} ${runIds.length === 1 ? 'run is not shown: its' : 'runs are not shown: their'} summary in the state is unreadable (edited outside quorum; <code>quorum state check</code> names them): ${esc(shown)}</p>`;
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
<header><h1>${esc(title)}</h1><p>${esc(data.definitions.length)} definitions · ${esc(data.runs)} runs in ${esc(data.warehouse)} state schema "${esc(data.state_schema)}" · generated ${esc(data.generated_at)}</p>${unreadableNote(data.unreadable_runs)}</header>
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
