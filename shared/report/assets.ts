import { readFileSync } from 'node:fs';

/**
 * The charting library inlined in every HTML report (shared/report/html.ts), so that a report
 * works offline and fetches nothing.
 *
 * Why uPlot (npm `uplot`, MIT): it is made for time series (an x axis of seconds, gaps for null
 * points, bands and draw hooks for shading spans and drawing markers), it is small (about 50 KB of
 * minified JS and 2 KB of CSS, against about 200 KB for Chart.js with its date adapter), it has no
 * dependencies, ships an IIFE build that can be pasted into a <script>, and is actively kept.
 *
 * This is the one place that knows where the files are: the Lambda packaging may ship them
 * elsewhere and change only this loader.
 */
export interface ReportAssets {
  /** The library's JS, defining the global `uPlot`. */
  script: string;
  /** The library's CSS. */
  style: string;
  /** For the page's footer: `uPlot 1.6.32`. */
  library: string;
}

let loaded: ReportAssets | undefined;

/** The library's dist files, read once per process. */
export const reportAssets = (): ReportAssets => {
  loaded ??= {
    script: readFileSync(require.resolve('uplot/dist/uPlot.iife.min.js'), 'utf8'),
    style: readFileSync(require.resolve('uplot/dist/uPlot.min.css'), 'utf8'),
    library: `uPlot ${(JSON.parse(readFileSync(require.resolve('uplot/package.json'), 'utf8')) as { version: string }).version}`,
  };
  return loaded;
};
