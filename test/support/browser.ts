import { existsSync, mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { pathToFileURL } from 'node:url';
import puppeteer, { type Browser } from 'puppeteer-core';

/**
 * Headless Chromium for the HTML report tests: Debian's `chromium` (installed by .ci/run when
 * missing), or the binary FAULTLINE_CHROMIUM names, driven by puppeteer-core.
 */
export const chromiumPath = (): string => process.env.FAULTLINE_CHROMIUM ?? '/usr/bin/chromium';

export const launchChromium = async (): Promise<Browser> => {
  const executablePath = chromiumPath();
  if (!existsSync(executablePath))
    throw new Error(`no Chromium at ${executablePath}: apt-get install chromium, or set FAULTLINE_CHROMIUM`);
  return puppeteer.launch({
    executablePath,
    headless: true,
    args: ['--headless=new', '--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage', '--hide-scrollbars'],
  });
};

/** One chart container as the browser sees it after the page's script ran. */
export interface ChartCheck {
  chart: string;
  id: string;
  /** The page's script set data-drawn: "true" once uPlot drew, "error" when it threw. */
  drawn: string | null;
  /** Pixels of the chart's canvas that are not transparent: 0 for a blank canvas. */
  inkedPixels: number;
  /** Pixels of the series' line colour (#1f4e9c, give or take antialiasing): the data was drawn, not only axes. */
  linePixels: number;
  width: number;
  height: number;
}

/** What a page did in the browser, and what a report test requires of it. */
export interface PageCheck {
  url: string;
  /** Console errors, page errors (uncaught exceptions), failed and refused requests: all problems. */
  problems: string[];
  charts: ChartCheck[];
  text: string;
  /** The verdict banner's box; null when there is none. */
  banner: { verdict: string | null; width: number; height: number; visible: boolean } | null;
}

/**
 * What the page reads back about itself (run in the browser, so JavaScript in a string: this
 * project compiles without the DOM's types). A pixel is inked when it is not transparent; a line
 * pixel is the series' colour #1f4e9c (31, 78, 156), give or take antialiasing.
 */
const READ_BACK = `(() => {
  const charts = [...document.querySelectorAll('[data-chart]')].map((el) => {
    const canvas = el.querySelector('canvas');
    let inkedPixels = 0;
    let linePixels = 0;
    if (canvas && canvas.width > 0 && canvas.height > 0) {
      const data = canvas.getContext('2d').getImageData(0, 0, canvas.width, canvas.height).data;
      for (let i = 0; i < data.length; i += 4) {
        if (data[i + 3] === 0) continue;
        inkedPixels++;
        const near = Math.abs(data[i] - 31) + Math.abs(data[i + 1] - 78) + Math.abs(data[i + 2] - 156) < 60;
        if (near && data[i + 3] > 200) linePixels++;
      }
    }
    return {
      chart: el.dataset.chart || '',
      id: el.id,
      drawn: el.getAttribute('data-drawn'),
      inkedPixels,
      linePixels,
      width: canvas ? canvas.width : 0,
      height: canvas ? canvas.height : 0,
    };
  });
  const banner = document.querySelector('.banner');
  let box = null;
  if (banner) {
    const rect = banner.getBoundingClientRect();
    const style = getComputedStyle(banner);
    box = {
      verdict: banner.getAttribute('data-verdict'),
      width: rect.width,
      height: rect.height,
      visible: style.visibility !== 'hidden' && style.display !== 'none' && Number(style.opacity) > 0,
    };
  }
  return { charts, text: document.body.innerText, banner: box };
})()`;

/**
 * Opens a file as a file:// page, waits for the charts, reads back every chart container and its
 * canvas pixels, and saves a full-page screenshot when asked. It never throws for what the page
 * does wrong: it reports it (`problems`, `drawn`, `inkedPixels`), so that a test asserts on it.
 */
export const checkPage = async (browser: Browser, file: string, screenshot?: string): Promise<PageCheck> => {
  const page = await browser.newPage();
  const problems: string[] = [];
  const url = pathToFileURL(file).href;
  page.on('console', (message) => {
    if (message.type() === 'error') problems.push(`console error: ${message.text()}`);
  });
  page.on('pageerror', (error) => problems.push(`page error: ${(error as Error).message ?? String(error)}`));
  page.on('requestfailed', (request) =>
    problems.push(`request failed: ${request.url()} (${request.failure()?.errorText ?? 'unknown'})`),
  );
  page.on('request', (request) => {
    if (request.url() !== url && !request.url().startsWith('data:')) problems.push(`request: ${request.url()}`);
  });
  try {
    await page.setViewport({ width: 1200, height: 900 });
    const response = await page.goto(url, { waitUntil: 'load', timeout: 15_000 });
    if (response && !response.ok()) problems.push(`page answered ${response.status()}`);
    // Every chart container ends with data-drawn set (true or error), or the wait times out.
    await page
      .waitForFunction("[...document.querySelectorAll('[data-chart]')].every((el) => el.hasAttribute('data-drawn'))", {
        timeout: 10_000,
      })
      .catch(() => problems.push('charts: not every chart container was marked drawn within 10 s'));
    const result = (await page.evaluate(READ_BACK)) as Omit<PageCheck, 'url' | 'problems'>;
    if (screenshot) {
      mkdirSync(dirname(screenshot), { recursive: true });
      await page.screenshot({ path: screenshot as `${string}.png`, fullPage: true });
    }
    return { url, problems, ...result };
  } finally {
    await page.close();
  }
};

/** The problems a report page must not have: each a sentence, none when the page is good. */
export const reportPageFaults = (check: PageCheck, expectedCharts: number): string[] => [
  ...check.problems,
  ...(check.charts.length === expectedCharts
    ? []
    : [`expected ${expectedCharts} chart container(s), found ${check.charts.length}`]),
  ...check.charts.filter((c) => c.drawn !== 'true').map((c) => `chart ${c.id} (${c.chart}): data-drawn=${c.drawn}`),
  ...check.charts.filter((c) => c.inkedPixels === 0).map((c) => `chart ${c.id} (${c.chart}): blank canvas`),
  ...check.charts
    .filter((c) => c.inkedPixels > 0 && c.linePixels === 0)
    .map((c) => `chart ${c.id} (${c.chart}): axes but no line drawn`),
  ...(check.banner?.visible && check.banner.width > 0 && check.banner.height > 0
    ? []
    : ['the verdict banner is missing or not visible']),
];
