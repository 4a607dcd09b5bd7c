import type { ExecutionSeries, Series } from '../domain/series';
import { type ReportAssets, reportAssets } from './assets';
import type { ResultDocument } from './document';

/**
 * HTML reports that people read: one page per execution (`renderExperimentReport`) and the index
 * of a game-day run (`renderGameDayIndex`). Pure: a document in, one self-contained HTML string out.
 *
 * - Nothing is fetched: the charting library (shared/report/assets.ts) and the page's own script
 *   and style are inlined, and a Content-Security-Policy forbids every other source.
 * - Every text that comes from a document (template ids, reasons, alarm names, marker labels) is
 *   escaped; the charts' data travels as JSON in a <script type="application/json"> with `<`, `>`
 *   and `&` escaped, and marker labels are drawn on the canvas as text, never as HTML.
 * - Every chart is a `<div class="chart" data-chart="<series name>">`; the page's script draws it
 *   with uPlot, shades the spans, draws the markers as labelled vertical lines, then sets
 *   `data-drawn="true"` (`"error"` and a console error when it could not).
 */

/** One past run of a template, for the score trend of a report. */
export interface HistoryPoint {
  executionId: string;
  completedAt: string;
  verdict: string | null;
  score: number | null;
}

export interface ExperimentReportOptions {
  /** The last runs of the same template, in any order: drawn as the score trend. */
  history?: readonly HistoryPoint[] | undefined;
  /** The template's hypothesis statement (the result document does not carry it). */
  hypothesis?: string | undefined;
  /** Where the game-day index is, relative to this report: a link back. */
  indexHref?: string | undefined;
  /** The library's files; read from node_modules by default. */
  assets?: ReportAssets | undefined;
}

/** A game-day run as its index shows it: the game-day JSON of `faultline gameday`. */
export interface GameDayReport {
  suite: string;
  runId: string;
  status: string;
  verdict?: string | null | undefined;
  /** `gameDayScore` of the executions' scores. */
  score: number | null;
  results: readonly ResultDocument[];
}

export interface GameDayIndexOptions {
  /** The relative href of an experiment's report. */
  reportHref: (document: ResultDocument) => string;
  assets?: ReportAssets | undefined;
}

type Span = ExecutionSeries['spans'][number];
type Marker = ExecutionSeries['markers'][number];

/** What the page's script draws: one entry per chart container, times in epoch seconds. */
interface ChartSpec {
  id: string;
  label: string;
  unit: string;
  x: number[];
  y: (number | null)[];
  from: number | null;
  to: number | null;
  spans: { name: string; from: number; to: number }[];
  markers: { at: number; kind: string; label: string }[];
  height: number;
  /** A full chart has a cursor and labelled markers; a small one (the index) only lines. */
  small: boolean;
  points: boolean;
}

const HTML_ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

/** Text (or an attribute value) safe to put in HTML. */
export const escapeHtml = (value: unknown): string => String(value ?? '').replace(/[&<>"']/g, (c) => HTML_ESCAPES[c]!);

/** JSON safe inside a <script> element: nothing in it can close the element or open a comment. */
export const scriptJson = (value: unknown): string =>
  JSON.stringify(value)
    .replace(/</g, '\\u003c')
    .replace(/>/g, '\\u003e')
    .replace(/&/g, '\\u0026')
    .replace(/\u2028/g, '\\u2028')
    .replace(/\u2029/g, '\\u2029');

const seconds = (iso: string): number | null => {
  const ms = Date.parse(iso);
  return Number.isFinite(ms) ? ms / 1000 : null;
};

const fmt = (value: number | null | undefined, unit: string, digits = 1): string =>
  value === null || value === undefined ? '—' : `${Number(value.toFixed(digits))}${unit}`;

const formatScore = (score: number | null | undefined) => (score === null || score === undefined ? '—' : String(score));

const VERDICT_CLASS: Record<string, string> = { PASSED: 'passed', FAILED: 'failed', INCONCLUSIVE: 'inconclusive' };

const verdictClass = (verdict: string | null | undefined) => VERDICT_CLASS[verdict ?? ''] ?? 'inconclusive';

/** Why there are no charts, or null when there are some to draw. */
const seriesUnavailable = (series: ExecutionSeries | null): string | null => {
  if (series === null) return 'No series were recorded for this execution, so there are no charts.';
  if (series.unavailable) return `Series unavailable: ${series.unavailable}`;
  if (!series.series.length) return 'The series of this execution are empty, so there are no charts.';
  return null;
};

const chartSpec = (id: string, s: Series, doc: ExecutionSeries, small: boolean): ChartSpec => ({
  id,
  label: s.label,
  unit: s.unit,
  x: s.points.map((p) => p[0] / 1000),
  y: s.points.map((p) => (typeof p[1] === 'number' && Number.isFinite(p[1]) ? p[1] : null)),
  from: seconds(doc.from),
  to: seconds(doc.to),
  spans: doc.spans.flatMap((span: Span) => {
    const from = seconds(span.from);
    const to = seconds(span.to);
    return from === null || to === null ? [] : [{ name: span.name, from, to }];
  }),
  markers: doc.markers.flatMap((m: Marker) => {
    const at = seconds(m.at);
    return at === null ? [] : [{ at, kind: m.kind, label: m.label }];
  }),
  height: small ? 110 : 240,
  small,
  points: false,
});

const SPAN_COLOURS: Record<string, string> = {
  baseline: 'rgba(120, 120, 120, 0.14)',
  injection: 'rgba(230, 140, 0, 0.22)',
  observation: 'rgba(214, 39, 40, 0.13)',
  recovery: 'rgba(44, 160, 44, 0.17)',
};

const MARKER_COLOURS: Record<string, string> = {
  'fault-injected': '#d62728',
  'fault-reverted': '#1f77b4',
  'stop-condition': '#8c1c13',
  'recovery-confirmed': '#2ca02c',
};

const STYLE = `
:root { font-family: system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; color: #1d2430; }
body { margin: 0 auto; max-width: 1100px; padding: 16px 24px 48px; background: #fff; }
h1 { font-size: 1.5rem; margin: 0.4rem 0; } h2 { font-size: 1.15rem; margin: 1.6rem 0 0.5rem; border-bottom: 1px solid #dde2ea; padding-bottom: 4px; }
table { border-collapse: collapse; width: 100%; font-size: 0.9rem; } th, td { text-align: left; padding: 4px 8px; border-bottom: 1px solid #eef0f4; vertical-align: top; }
th { background: #f5f7fa; } code { font-family: ui-monospace, monospace; font-size: 0.85em; }
.banner { display: flex; gap: 24px; align-items: center; padding: 14px 18px; border-radius: 8px; color: #fff; margin: 12px 0; flex-wrap: wrap; }
.banner .verdict { font-size: 1.6rem; font-weight: 700; letter-spacing: 0.04em; } .banner .figure { font-size: 1rem; }
.banner.passed { background: #1e7b34; } .banner.failed { background: #b42318; } .banner.inconclusive { background: #8a6d00; }
.ok { color: #1e7b34; font-weight: 600; } .ko { color: #b42318; font-weight: 600; } .unknown { color: #8a6d00; font-weight: 600; }
.pill { display: inline-block; padding: 1px 8px; border-radius: 10px; color: #fff; font-size: 0.8rem; font-weight: 600; }
.pill.passed { background: #1e7b34; } .pill.failed { background: #b42318; } .pill.inconclusive { background: #8a6d00; }
.chart-box { margin: 12px 0 20px; } .chart-box h3 { font-size: 1rem; margin: 0 0 4px; }
.chart { width: 100%; min-height: 40px; } .small .chart { min-height: 30px; }
.notice { padding: 10px 14px; background: #fff8e1; border: 1px solid #f0d98c; border-radius: 6px; }
.legend { font-size: 0.8rem; color: #4a5568; margin: 4px 0; display: flex; gap: 14px; flex-wrap: wrap; }
.swatch { display: inline-block; width: 12px; height: 12px; vertical-align: middle; margin-right: 4px; border: 1px solid #ccd; }
.meta { color: #4a5568; font-size: 0.9rem; } footer { margin-top: 32px; color: #7a8494; font-size: 0.8rem; }
`;

/** The page's script: draws every chart of #faultline-charts with uPlot. Plain ES5, run by the browser. */
const SCRIPT = `
(function () {
  var SPANS = ${JSON.stringify(SPAN_COLOURS)};
  var MARKERS = ${JSON.stringify(MARKER_COLOURS)};
  var specs = JSON.parse(document.getElementById('faultline-charts').textContent);
  var px = window.devicePixelRatio || 1;
  function pad(min, max, fallbackFrom, fallbackTo) {
    var lo = min == null ? fallbackFrom : min, hi = max == null ? fallbackTo : max;
    if (fallbackFrom != null) lo = Math.min(lo, fallbackFrom);
    if (fallbackTo != null) hi = Math.max(hi, fallbackTo);
    if (lo == null || hi == null) { lo = 0; hi = 1; }
    if (hi <= lo) { lo -= 60; hi += 60; }
    return [lo, hi];
  }
  specs.forEach(function (spec) {
    var el = document.getElementById(spec.id);
    function failed(error) {
      el.setAttribute('data-drawn', 'error');
      console.error('faultline report: chart ' + spec.id + ' was not drawn: ' + (error && error.message ? error.message : error));
    }
    // uPlot may draw after its constructor returned: a hook that throws marks its chart, never the page.
    function guarded(hook) {
      return function (u) { try { hook(u); } catch (error) { failed(error); } };
    }
    try {
      var opts = {
        width: Math.max(240, el.clientWidth || 600),
        height: spec.height,
        tzDate: function (ts) { return uPlot.tzDate(new Date(ts * 1000), 'Etc/UTC'); },
        legend: { show: false },
        cursor: { show: !spec.small },
        scales: {
          x: { time: true, range: function (u, min, max) { return pad(min, max, spec.from, spec.to); } },
          y: { range: function (u, min, max) {
            if (spec.unit === '%') return [Math.max(0, Math.floor(Math.min(min == null ? 100 : min, 100)) - 2), 100.5];
            if (spec.unit === 'score') return [0, 100];
            var hi = max == null ? 1 : max;
            return [0, hi <= 0 ? 1 : hi * 1.15];
          } }
        },
        series: [
          {},
          { label: spec.label + (spec.unit && spec.unit !== 'score' ? ' (' + spec.unit + ')' : ''), stroke: '#1f4e9c',
            width: 2, fill: 'rgba(31, 78, 156, 0.08)', spanGaps: false, points: { show: spec.points, size: 7 } }
        ],
        axes: spec.small
          ? [{ size: 24, font: '10px sans-serif' }, { size: 40, font: '10px sans-serif' }]
          : [{ label: 'time (UTC)' }, { label: spec.unit, size: 60 }],
        hooks: {
          drawClear: [guarded(function (u) {
            var ctx = u.ctx, b = u.bbox;
            ctx.save();
            spec.spans.forEach(function (s) {
              var x0 = u.valToPos(s.from, 'x', true), x1 = u.valToPos(s.to, 'x', true);
              var l = Math.max(b.left, Math.min(x0, x1)), r = Math.min(b.left + b.width, Math.max(x0, x1));
              if (r > l) { ctx.fillStyle = SPANS[s.name] || 'rgba(0, 0, 0, 0.06)'; ctx.fillRect(l, b.top, r - l, b.height); }
            });
            ctx.restore();
          })],
          draw: [guarded(function (u) {
            var ctx = u.ctx, b = u.bbox;
            ctx.save();
            ctx.font = Math.round(11 * px) + 'px sans-serif';
            spec.markers.forEach(function (m, i) {
              var x = Math.round(u.valToPos(m.at, 'x', true));
              if (x < b.left - 1 || x > b.left + b.width + 1) return;
              var colour = MARKERS[m.kind] || '#333';
              ctx.strokeStyle = colour;
              ctx.lineWidth = (spec.small ? 1 : 2) * px;
              ctx.setLineDash(m.kind === 'stop-condition' ? [6 * px, 4 * px] : []);
              ctx.beginPath(); ctx.moveTo(x, b.top); ctx.lineTo(x, b.top + b.height); ctx.stroke();
              if (spec.small) return;
              var w = ctx.measureText(m.label).width, y = b.top + (14 + (i % 4) * 15) * px;
              var tx = x + 4 * px + w > b.left + b.width ? x - 4 * px - w : x + 4 * px;
              ctx.setLineDash([]);
              ctx.lineWidth = 3 * px; ctx.strokeStyle = 'rgba(255, 255, 255, 0.9)'; ctx.strokeText(m.label, tx, y);
              ctx.fillStyle = colour; ctx.fillText(m.label, tx, y);
            });
            ctx.restore();
            if (el.getAttribute('data-drawn') !== 'error') el.setAttribute('data-drawn', 'true');
          })]
        }
      };
      new uPlot(opts, [spec.x, spec.y], el);
    } catch (error) {
      failed(error);
    }
  });
})();
`;

/** Nothing but what the page inlines: no fetch, no image, no font, no frame from anywhere. */
const CSP =
  "default-src 'none'; script-src 'unsafe-inline'; style-src 'unsafe-inline'; img-src data:; base-uri 'none'; form-action 'none'";

const page = (title: string, body: string, charts: ChartSpec[], assets: ReportAssets): string =>
  [
    '<!doctype html>',
    '<html lang="en">',
    '<head>',
    '<meta charset="utf-8">',
    `<meta http-equiv="Content-Security-Policy" content="${CSP}">`,
    '<meta name="viewport" content="width=device-width, initial-scale=1">',
    `<title>${escapeHtml(title)}</title>`,
    `<style>${assets.style}</style>`,
    `<style>${STYLE}</style>`,
    '</head>',
    '<body>',
    body,
    `<footer>faultline report · charts drawn with ${escapeHtml(assets.library)} (inlined) · times in UTC</footer>`,
    `<script type="application/json" id="faultline-charts">${scriptJson(charts)}</script>`,
    `<script>${assets.script}</script>`,
    `<script>${SCRIPT}</script>`,
    '</body>',
    '</html>',
    '',
  ].join('\n');

const table = (headers: string[], rows: string[][], className = ''): string =>
  [
    `<table${className ? ` class="${className}"` : ''}>`,
    `<thead><tr>${headers.map((h) => `<th>${escapeHtml(h)}</th>`).join('')}</tr></thead>`,
    '<tbody>',
    ...rows.map((r) => `<tr>${r.map((c) => `<td>${c}</td>`).join('')}</tr>`),
    '</tbody>',
    '</table>',
  ].join('\n');

const passedCell = (passed: boolean | null) =>
  passed === null
    ? '<span class="unknown">not measured</span>'
    : passed
      ? '<span class="ok">met</span>'
      : '<span class="ko">not met</span>';

/** Who started the run: the CLI, a pipeline, a game day or the API. */
export const describeTrigger = (trigger: ResultDocument['trigger']): string => {
  const parts: string[] = [];
  if (trigger.type === 'pipeline' && trigger.pipeline) {
    const p = trigger.pipeline;
    parts.push(`pipeline ${p.name}, stage ${p.stage}, pipeline execution ${p.executionId}`);
    if (p.jobId) parts.push(`job ${p.jobId}`);
  } else if (trigger.type === 'gameday' && trigger.gameDay) {
    parts.push(`game day ${trigger.gameDay.suite}, run ${trigger.gameDay.runId}`);
  } else {
    parts.push(trigger.type === 'cli' ? 'the CLI' : trigger.type);
  }
  if (trigger.reference) parts.push(`reference ${trigger.reference}`);
  return parts.join('; ');
};

const legend = (series: ExecutionSeries): string => {
  const spans = [...new Set(series.spans.map((s) => s.name))].map(
    (name) =>
      `<span><span class="swatch" style="background:${SPAN_COLOURS[name] ?? '#eee'}"></span>${escapeHtml(name)}</span>`,
  );
  const markers = [...new Set(series.markers.map((m) => m.kind))].map(
    (kind) =>
      `<span><span class="swatch" style="background:${MARKER_COLOURS[kind] ?? '#333'}"></span>${escapeHtml(kind.replace(/-/g, ' '))}</span>`,
  );
  return spans.length + markers.length ? `<div class="legend">${[...spans, ...markers].join('')}</div>` : '';
};

const seriesSection = (document: ResultDocument, charts: ChartSpec[]): string => {
  const series = document.series;
  const why = seriesUnavailable(series);
  if (why !== null || series === null) return `<p class="notice" data-series="unavailable">${escapeHtml(why)}</p>`;
  const boxes = series.series.map((s, i) => {
    const spec = chartSpec(`chart-${i}`, s, series, false);
    charts.push(spec);
    const measured = spec.y.filter((v) => v !== null).length;
    return [
      '<div class="chart-box">',
      `<h3>${escapeHtml(s.label)} <span class="meta">(${escapeHtml(s.unit)}, ${measured} of ${spec.y.length} periods measured)</span></h3>`,
      `<div class="chart" id="${spec.id}" data-chart="${escapeHtml(s.name)}"></div>`,
      '</div>',
    ].join('\n');
  });
  const markers = series.markers.length
    ? table(
        ['at', 'marker', 'label'],
        [...series.markers]
          .sort((a, b) => a.at.localeCompare(b.at))
          .map((m) => [escapeHtml(m.at), escapeHtml(m.kind), escapeHtml(m.label)]),
      )
    : '<p class="meta">No markers.</p>';
  const spans = series.spans.length
    ? table(
        ['span', 'from', 'to'],
        series.spans.map((s) => [escapeHtml(s.name), escapeHtml(s.from), escapeHtml(s.to)]),
      )
    : '';
  return [
    `<p class="meta">From ${escapeHtml(series.from)} to ${escapeHtml(series.to)}, one point per ${escapeHtml(series.periodSeconds)} s.</p>`,
    legend(series),
    ...boxes,
    '<h3>Spans and markers</h3>',
    spans,
    markers,
  ].join('\n');
};

const trendSection = (history: readonly HistoryPoint[] | undefined, charts: ChartSpec[]): string => {
  if (!history?.length) return '';
  const sorted = [...history].sort((a, b) => a.completedAt.localeCompare(b.completedAt));
  const points = sorted.flatMap((h) => {
    const at = seconds(h.completedAt);
    return at === null ? [] : [{ at, score: h.score }];
  });
  const spec: ChartSpec = {
    id: 'chart-trend',
    label: 'score',
    unit: 'score',
    x: points.map((p) => p.at),
    y: points.map((p) => p.score),
    from: null,
    to: null,
    spans: [],
    markers: [],
    height: 160,
    small: false,
    points: true,
  };
  charts.push(spec);
  return [
    '<h2>Score trend</h2>',
    `<p class="meta">The resilience score of the last ${sorted.length} run(s) of this template, oldest first.</p>`,
    `<div class="chart-box"><div class="chart" id="${spec.id}" data-chart="score-trend"></div></div>`,
    table(
      ['completed at', 'execution', 'verdict', 'score'],
      sorted.map((h) => [
        escapeHtml(h.completedAt),
        `<code>${escapeHtml(h.executionId)}</code>`,
        escapeHtml(h.verdict ?? '—'),
        escapeHtml(formatScore(h.score)),
      ]),
    ),
  ].join('\n');
};

const durationSeconds = (d: ResultDocument) => {
  const ms = Date.parse(d.completedAt) - Date.parse(d.requestedAt);
  return Number.isFinite(ms) && ms >= 0 ? ms / 1000 : null;
};

/** The report of one execution: verdict, hypothesis and criteria, charts, faults, safety, trigger, timeline, trend. */
export const renderExperimentReport = (document: ResultDocument, options: ExperimentReportOptions = {}): string => {
  const assets = options.assets ?? reportAssets();
  const charts: ChartSpec[] = [];
  const d = document;
  const verdict = verdictClass(d.verdict);
  const body = [
    options.indexHref ? `<p class="meta"><a href="${escapeHtml(options.indexHref)}">← game day</a></p>` : '',
    `<h1>${escapeHtml(d.experimentId)}</h1>`,
    `<p class="meta">execution <code>${escapeHtml(d.executionId)}</code> · template version ${escapeHtml(d.templateVersion)} · environment ${escapeHtml(d.environment)}${d.dryRun ? ' · <strong>dry run</strong>' : ''}</p>`,
    `<div class="banner ${verdict}" id="verdict" data-verdict="${escapeHtml(d.verdict)}">`,
    `<span class="verdict">${escapeHtml(d.verdict)}</span>`,
    `<span class="figure">status ${escapeHtml(d.status)}</span>`,
    `<span class="figure">score ${escapeHtml(formatScore(d.score))}${d.score === null ? '' : ' / 100'}</span>`,
    `<span class="figure">${escapeHtml(d.requestedAt)} → ${escapeHtml(d.completedAt)} (${escapeHtml(fmt(durationSeconds(d), ' s'))})</span>`,
    '</div>',
    d.reasons.length
      ? `<ul class="reasons">${d.reasons.map((r) => `<li>${escapeHtml(r)}</li>`).join('')}</ul>`
      : '<p class="meta">No reasons given.</p>',
    '<h2>Hypothesis and criteria</h2>',
    `<p>${options.hypothesis ? escapeHtml(options.hypothesis) : '<span class="meta">The hypothesis statement is not part of the result document.</span>'}</p>`,
    d.criteria.length
      ? table(
          ['criterion', 'expected', 'actual', 'passed'],
          d.criteria.map((c) => [
            escapeHtml(c.type),
            escapeHtml(c.expected),
            escapeHtml(c.actual ?? '—'),
            passedCell(c.passed),
          ]),
        )
      : '<p class="meta">No criteria were judged.</p>',
    table(
      ['availability', 'p95 latency', 'recovery time'],
      [
        [
          escapeHtml(fmt(d.metrics.availabilityPercent, '%', 2)),
          escapeHtml(fmt(d.metrics.p95LatencyMs, ' ms', 0)),
          escapeHtml(fmt(d.metrics.recoverySeconds, ' s', 1)),
        ],
      ],
    ),
    '<h2>Over time</h2>',
    seriesSection(d, charts),
    '<h2>Faults</h2>',
    d.faults.length
      ? table(
          ['action', 'type', 'target', 'injected at', 'reverted at', 'state'],
          d.faults.map((f) => [
            escapeHtml(f.action),
            escapeHtml(f.faultType),
            `${escapeHtml(f.target)}<br><code>${escapeHtml(f.targetKey)}</code>`,
            escapeHtml(f.injectedAt ?? '—'),
            escapeHtml(f.revertedAt ?? '—'),
            escapeHtml(f.state),
          ]),
        )
      : '<p class="meta">No fault was injected.</p>',
    '<h2>Safety</h2>',
    d.safety.violated
      ? `<p class="ko" data-safety="violated">Safety violated: ${escapeHtml(d.safety.reason ?? 'no reason given')}</p>`
      : '<p class="ok" data-safety="kept">No safety violation.</p>',
    '<h2>Trigger</h2>',
    `<p>${escapeHtml(describeTrigger(d.trigger))}</p>`,
    trendSection(options.history, charts),
    '<h2>Timeline</h2>',
    d.timeline.length
      ? table(
          ['at', 'phase', 'event', 'outcome', 'error'],
          d.timeline.map((t) => [
            escapeHtml(t.at),
            escapeHtml(t.phase),
            escapeHtml(t.event),
            escapeHtml(t.outcome),
            escapeHtml((t as { error?: string }).error ?? ''),
          ]),
        )
      : '<p class="meta">The journal is empty.</p>',
  ].join('\n');
  return page(`${d.experimentId}: ${d.verdict} (faultline)`, body, charts, assets);
};

/** The series a criterion judges: availability, or the latency percentile it names (`p95 <= 800ms`). */
const criterionSeries = (c: Pick<ResultDocument['criteria'][number], 'type' | 'expected'>): string | undefined => {
  if (c.type === 'availability') return 'availabilityPercent';
  const percentile = c.type === 'latency' ? /^p(\d+)/.exec(c.expected)?.[1] : undefined;
  return percentile ? `p${percentile}LatencyMs` : undefined;
};

/**
 * The series an index shows for an experiment: that of its first criterion not met (what went
 * wrong), else availability, else p95 latency, else the first.
 */
const headlineSeries = (d: Pick<ResultDocument, 'criteria'>, series: ExecutionSeries): Series | undefined => {
  const named = (name: string | undefined) => (name ? series.series.find((s) => s.name === name) : undefined);
  return (
    named(criterionSeries(d.criteria.find((c) => c.passed === false) ?? { type: '', expected: '' })) ??
    named('availabilityPercent') ??
    named('p95LatencyMs') ??
    series.series[0]
  );
};

/** The index of a game-day run: its score, and every experiment with its verdict, figures, a small chart and a link. */
export const renderGameDayIndex = (gameDay: GameDayReport, options: GameDayIndexOptions): string => {
  const assets = options.assets ?? reportAssets();
  const charts: ChartSpec[] = [];
  const verdict = verdictClass(gameDay.verdict ?? 'INCONCLUSIVE');
  const rows = gameDay.results.map((d, i) => {
    let small = '<span class="meta">no series</span>';
    const headline = d.series && seriesUnavailable(d.series) === null ? headlineSeries(d, d.series) : undefined;
    if (d.series && headline) {
      const spec = chartSpec(`chart-${i}`, headline, d.series, true);
      charts.push(spec);
      small = `<div class="meta">${escapeHtml(headline.label)} (${escapeHtml(headline.unit)})</div><div class="chart" id="${spec.id}" data-chart="${escapeHtml(headline.name)}"></div>`;
    } else if (d.series?.unavailable)
      small = `<span class="meta">series unavailable: ${escapeHtml(d.series.unavailable)}</span>`;
    return [
      `<a href="${escapeHtml(options.reportHref(d))}">${escapeHtml(d.experimentId)}</a><br><code class="meta">${escapeHtml(d.executionId)}</code>`,
      `<span class="pill ${verdictClass(d.verdict)}" data-verdict="${escapeHtml(d.verdict)}">${escapeHtml(d.verdict)}</span><br><span class="meta">${escapeHtml(d.status)}</span>`,
      escapeHtml(fmt(d.metrics.availabilityPercent, '%', 2)),
      escapeHtml(fmt(d.metrics.p95LatencyMs, ' ms', 0)),
      escapeHtml(fmt(d.metrics.recoverySeconds, ' s', 1)),
      escapeHtml(formatScore(d.score)),
      small,
    ];
  });
  const body = [
    `<h1>Game day ${escapeHtml(gameDay.suite)}</h1>`,
    `<p class="meta">run <code>${escapeHtml(gameDay.runId)}</code> · ${gameDay.results.length} experiment(s)</p>`,
    `<div class="banner ${verdict}" id="verdict" data-verdict="${escapeHtml(gameDay.verdict ?? 'INCONCLUSIVE')}">`,
    `<span class="verdict">${escapeHtml(gameDay.verdict ?? 'INCONCLUSIVE')}</span>`,
    `<span class="figure">status ${escapeHtml(gameDay.status)}</span>`,
    `<span class="figure">game-day score ${escapeHtml(formatScore(gameDay.score))}${gameDay.score === null ? '' : ' / 100'}</span>`,
    '</div>',
    '<p class="meta">The game-day score is the mean of the executions\' scores, an execution without a score counting as 0.</p>',
    '<h2>Experiments</h2>',
    gameDay.results.length
      ? table(
          ['experiment', 'verdict', 'availability', 'p95 latency', 'recovery', 'score', 'over time'],
          rows,
          'experiments',
        )
      : '<p class="meta">No experiment ran.</p>',
  ].join('\n');
  return page(`game day ${gameDay.suite}: ${gameDay.verdict ?? 'INCONCLUSIVE'} (faultline)`, body, charts, assets);
};
