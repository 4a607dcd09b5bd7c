import {
  describeTrigger,
  escapeHtml,
  renderExperimentReport,
  renderGameDayIndex,
  scriptJson,
} from '../../shared/report/html';
import {
  abortedDocument,
  demoGameDay,
  failedDocument,
  passedDocument,
  resultDocumentWith,
} from '../support/report-documents';

/**
 * What a page would fetch from elsewhere: a script, stylesheet, image, frame or media source
 * (anything but an <a> link), an absolute URL in a src or href, or a CSS import or url() of a URL.
 * A report must have none (README "HTML reports": they work offline).
 */
const fetchedResources = (html: string): string[] => [
  ...[...html.matchAll(/<script\b[^>]*\bsrc\s*=/gi)].map((m) => m[0]),
  ...[...html.matchAll(/<link\b[^>]*\bhref\s*=/gi)].map((m) => m[0]),
  ...[...html.matchAll(/<(img|iframe|embed|object|source|audio|video|track|input)\b[^>]*\b(src|data)\s*=/gi)].map(
    (m) => m[0],
  ),
  ...[...html.matchAll(/\b(src|href|action|poster)\s*=\s*["']?\s*(https?:)?\/\//gi)].map((m) => m[0]),
  ...[...html.matchAll(/@import\b|url\(\s*["']?\s*(https?:)?\/\//gi)].map((m) => m[0]),
];

const TAG = '<script>alert(1)</script>';

describe('HTML report of an execution', () => {
  it('escapes every text from the document: ids, reasons, alarm names, criteria, trigger, timeline', () => {
    const base = abortedDocument();
    const html = renderExperimentReport(
      resultDocumentWith({
        ...base,
        experimentId: TAG,
        reasons: [`stop condition: ${TAG}`],
        safety: { violated: true, reason: `alarm "${TAG}" & more` },
        criteria: [{ type: TAG, expected: '<= 500ms', actual: '<b>1540</b>', passed: false }],
        trigger: { type: 'cli', reference: TAG },
        timeline: [{ at: base.requestedAt, phase: 'guard', event: TAG, outcome: 'ok', error: TAG }],
        series: {
          ...base.series!,
          markers: [{ at: base.requestedAt, kind: 'stop-condition', label: `</script>${TAG}` }],
        },
      } as never),
      { hypothesis: TAG },
    );
    expect(html).not.toContain(TAG);
    expect(html).not.toContain('<b>1540</b>');
    expect(html).toContain('&lt;script&gt;alert(1)&lt;/script&gt;');
    expect(html).toContain('alarm &quot;&lt;script&gt;alert(1)&lt;/script&gt;&quot; &amp; more');
    // The marker label travels as JSON: nothing in it can end the data's <script> element.
    expect(html).toContain('\\u003c/script\\u003e\\u003cscript\\u003ealert(1)');
    expect(html.match(/<\/script>/g)).toHaveLength(3); // the chart data, the library, the page's script
  });

  it('escapeHtml and scriptJson escape what would break out of text, attributes and scripts', () => {
    expect(escapeHtml(`<a href="x">Tom & 'Jerry'</a>`)).toBe(
      '&lt;a href=&quot;x&quot;&gt;Tom &amp; &#39;Jerry&#39;&lt;/a&gt;',
    );
    expect(scriptJson({ s: '</script><!--&\u2028' })).toBe('{"s":"\\u003c/script\\u003e\\u003c!--\\u0026\\u2028"}');
    expect(JSON.parse(scriptJson({ s: '</script><!--&\u2028' }))).toEqual({ s: '</script><!--&\u2028' });
  });

  it('fetches nothing: the library and the styles are inlined, and a CSP forbids other sources', () => {
    const html = renderExperimentReport(passedDocument(), {
      history: [{ executionId: 'x', completedAt: '2026-11-28T10:00:00Z', verdict: 'PASSED', score: 100 }],
    });
    expect(fetchedResources(html)).toEqual([]);
    expect(html).toContain('uPlot');
    expect(html).toMatch(/<meta http-equiv="Content-Security-Policy" content="default-src 'none';/);
    const index = renderGameDayIndex(demoGameDay(), { reportHref: (d) => `${d.experimentId}.html` });
    expect(fetchedResources(index)).toEqual([]);
  });

  it('the fetch check reports a page that would load a script, a stylesheet or an image from elsewhere', () => {
    const html = renderExperimentReport(passedDocument());
    const broken = [
      html.replace('</head>', '<script src="https://cdn.example.org/uplot.js"></script></head>'),
      html.replace('</head>', '<link rel="stylesheet" href="//cdn.example.org/uplot.css"></head>'),
      html.replace('</body>', '<img src="http://tracker.example.org/p.gif"></body>'),
      html.replace('</head>', '<style>@import "https://cdn.example.org/x.css";</style></head>'),
      html.replace('</head>', '<script src="uplot.js"></script></head>'),
    ];
    for (const page of broken) expect(fetchedResources(page).length).toBeGreaterThan(0);
  });

  it.each([
    ['PASSED', 'passed', passedDocument()],
    ['FAILED', 'failed', failedDocument()],
    ['INCONCLUSIVE', 'inconclusive', resultDocumentWith({ verdict: 'INCONCLUSIVE', score: 50 })],
  ] as const)('shows a %s banner with status and score', (verdict, className, document) => {
    const html = renderExperimentReport(document);
    const banner = html.match(/<div class="banner ([a-z]+)" id="verdict" data-verdict="([A-Z]+)">([\s\S]*?)<\/div>/);
    expect(banner?.[1]).toBe(className);
    expect(banner?.[2]).toBe(verdict);
    expect(banner?.[3]).toContain(`<span class="verdict">${verdict}</span>`);
    expect(banner?.[3]).toContain(`status ${document.status}`);
    expect(banner?.[3]).toContain(`score ${document.score} / 100`);
  });

  it('a banner without a score says so', () => {
    const html = renderExperimentReport(
      resultDocumentWith({ status: 'REJECTED', verdict: 'INCONCLUSIVE', score: null }),
    );
    expect(html).toContain('score —</span>');
  });

  it('one chart container per series, with the spans and markers listed; the score trend with a history', () => {
    const html = renderExperimentReport(abortedDocument(), {
      history: [
        { executionId: 'old', completedAt: '2026-11-20T10:00:00Z', verdict: 'PASSED', score: 100 },
        { executionId: 'new', completedAt: '2026-11-29T18:02:10Z', verdict: 'FAILED', score: 0 },
      ],
    });
    expect([...html.matchAll(/data-chart="([^"]+)"/g)].map((m) => m[1])).toEqual([
      'availabilityPercent',
      'p95LatencyMs',
      'requestsPerSecond',
      'score-trend',
    ]);
    for (const text of ['alarm demo-p95-latency', 'slow-replica injected', 'observation', 'recovery-confirmed'])
      expect(html).toContain(text);
    expect(renderExperimentReport(abortedDocument())).not.toContain('data-chart="score-trend"');
  });

  it('says plainly when there are no series, or why they are unavailable, instead of charts', () => {
    const none = renderExperimentReport(resultDocumentWith({ series: null }));
    expect(none).toContain('No series were recorded for this execution, so there are no charts.');
    expect(none).not.toContain('data-chart=');
    const unavailable = renderExperimentReport(
      resultDocumentWith({
        series: { ...passedDocument().series!, series: [], unavailable: 'CloudWatch <throttled>' },
      }),
    );
    expect(unavailable).toContain('Series unavailable: CloudWatch &lt;throttled&gt;');
    expect(unavailable).not.toContain('data-chart=');
    const empty = renderExperimentReport(resultDocumentWith({ series: { ...passedDocument().series!, series: [] } }));
    expect(empty).toContain('The series of this execution are empty');
  });

  it('shows the faults, the safety, the trigger and the timeline', () => {
    const html = renderExperimentReport(abortedDocument());
    expect(html).toContain('network-latency');
    expect(html).toContain('local:replica:1');
    expect(html).toContain('Safety violated: stop condition: alarm demo-p95-latency is ALARM');
    expect(html).toContain('game day demo, run run-1');
    expect(html).toContain('ExperimentCompleted');
    expect(renderExperimentReport(passedDocument())).toContain('No safety violation.');
    expect(
      describeTrigger({
        type: 'pipeline',
        pipeline: { name: 'checkout', stage: 'Deploy', executionId: 'p-1', jobId: 'job-7' },
      }),
    ).toBe('pipeline checkout, stage Deploy, pipeline execution p-1; job job-7');
    expect(describeTrigger({ type: 'cli', reference: 'alice' })).toBe('the CLI; reference alice');
  });
});

describe('HTML index of a game day', () => {
  it('shows the suite, run, status and score, and every experiment with its verdict, figures, chart and link', () => {
    const html = renderGameDayIndex(demoGameDay(), { reportHref: (d) => `${d.experimentId}-${d.executionId}.html` });
    expect(html).toContain('<h1>Game day demo</h1>');
    expect(html).toContain('run <code>run-1</code>');
    expect(html).toContain('game-day score 50 / 100');
    expect(html).toContain('status COMPLETED');
    for (const d of demoGameDay().results) {
      expect(html).toContain(`<a href="${d.experimentId}-${d.executionId}.html">${d.experimentId}</a>`);
      expect(html).toContain(`data-verdict="${d.verdict}"`);
    }
    expect(html).toContain('1540 ms');
    expect(html).toContain('97.1%');
    // Each small chart is the series of the experiment's first criterion not met (the latency run's
    // p95), else availability.
    expect([...html.matchAll(/data-chart="([^"]+)"/g)].map((m) => m[1])).toEqual([
      'availabilityPercent',
      'p95LatencyMs',
      'availabilityPercent',
    ]);
  });

  it('an experiment without series has no chart, and a hostile suite name is escaped', () => {
    const gameDay = { ...demoGameDay(), suite: TAG, results: [resultDocumentWith({ series: null })] };
    const html = renderGameDayIndex(gameDay, { reportHref: () => 'x.html?a=1&b=<2>' });
    expect(html).not.toContain(TAG);
    expect(html).toContain('href="x.html?a=1&amp;b=&lt;2&gt;"');
    expect(html).toContain('no series');
    expect(html).not.toContain('data-chart=');
  });
});
