// The CI smoke run of the RFC 2544 lab: `tsx bench/main.ts --quick` over memif paths (the native
// engine when it is built, else the kernel veth path) and testpmd, checked by parsing its JSON, CSV and
// HTML, and by loading the HTML in headless Chromium. Run it under the dataplane lock:
//   flock /tmp/pktbridge-dataplane.lock npx vitest run test/integration/bench
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { benchResultSchema, type BenchResult } from '../../../bench/main.js';
import { NATIVE_ADDON } from '../../../bench/paths/native-config.js';

const repoRoot = join(import.meta.dirname, '..', '..', '..');
const outDir = mkdtempSync(join(tmpdir(), 'pbbench-quick-'));
const chromiumProfile = mkdtempSync(join(tmpdir(), 'pbbench-chromium-'));
afterAll(() => {
  rmSync(outDir, { recursive: true, force: true });
  rmSync(chromiumProfile, { recursive: true, force: true });
});

const missing = ['/usr/bin/dpdk-testpmd', '/dev/hugepages'].find((p) => !existsSync(p));
if (missing)
  console.log(`skipping the bench smoke run: ${missing} is missing (install dpdk, reserve hugepages)`);
const memifPath = existsSync(NATIVE_ADDON) ? 'native-memif' : 'kernel-veth';
if (memifPath !== 'native-memif')
  console.log('native engine not built yet: the smoke run uses kernel-veth beside testpmd');

/** The <svg class="chart" data-chart=ID> element's markup, from the report. */
function chartMarkup(html: string, id: string): string {
  const start = html.indexOf(`data-chart="${id}"`);
  expect(start, `chart ${id} exists`).toBeGreaterThan(0);
  return html.slice(start, html.indexOf('</svg>', start));
}

describe.skipIf(missing !== undefined)('bench --quick', () => {
  let result: BenchResult;
  let html: string;

  it('finishes in under a minute and writes a valid JSON with figures for every path and size', () => {
    const run = spawnSync(
      join(repoRoot, 'node_modules', '.bin', 'tsx'),
      ['bench/main.ts', '--quick', '--paths', `${memifPath},testpmd-memif`, '--out', outDir],
      { cwd: repoRoot, encoding: 'utf8', timeout: 170_000 },
    );
    expect(run.status, `${run.stdout}\n${run.stderr}`).toBe(0);
    expect(run.stdout).toMatch(/medians over 1 round/);
    result = benchResultSchema.parse(JSON.parse(readFileSync(join(outDir, 'results.json'), 'utf8')));
    const elapsedS = (Date.parse(result.meta.finishedAt) - Date.parse(result.meta.startedAt)) / 1000;
    expect(elapsedS - result.meta.lockWaitS).toBeLessThan(60);
    for (const path of [memifPath, 'testpmd-memif']) {
      expect(result.paths.find((p) => p.name === path)?.status).toBe('measured');
      for (const size of [64, 1518]) {
        const figure = result.figures.find((f) => f.path === path && f.frameSize === size);
        expect(figure, `${path} ${size}`).toBeDefined();
        expect(figure!.mrrPps).toBeGreaterThan(0);
        expect(figure!.pdrPps).toBeGreaterThanOrEqual(figure!.ndrPps);
      }
    }
    const testpmd64 = result.trials.filter((t) => t.path === 'testpmd-memif' && t.frameSize === 64);
    expect(testpmd64.some((t) => t.purpose === 'mrr' && t.rxPackets > 0)).toBe(true);
    expect(testpmd64.filter((t) => t.purpose === 'search').length).toBeGreaterThan(2);
  }, 180_000);

  it('writes one CSV row per trial', () => {
    const lines = readFileSync(join(outDir, 'trials.csv'), 'utf8').trim().split('\n');
    expect(lines[0]).toMatch(/^startedAt,path,round,frameSize,purpose,ratePps/);
    expect(lines.length).toBe(result.trials.length + 1);
  });

  it('draws throughput and latency charts with a data point per measured path and size', () => {
    html = readFileSync(join(outDir, 'report.html'), 'utf8');
    // Nothing is loaded from outside the file (the SVG namespace URI is an identifier, not a fetch).
    expect(html).not.toMatch(/<script[^>]+src=|<link[^>]+href=|<img[^>]+src=|url\(|@import/);
    for (const id of ['throughput-ndr', 'throughput-pdr', 'throughput-mrr']) {
      const points = [...chartMarkup(html, id).matchAll(/class="point"[^>]*data-value="([^"]+)"/g)];
      expect(points.length, id).toBe(4);
      for (const [, value] of points) expect(Number.isFinite(Number(value))).toBe(true);
    }
    const bars = chartMarkup(html, 'latency-50').match(/class="bar"/g) ?? [];
    expect(bars.length).toBeGreaterThan(0);
  });

  const chromium = ['/usr/bin/chromium', '/usr/bin/chromium-browser'].find((p) => existsSync(p));
  if (!chromium)
    console.log('skipping the browser check: chromium is not installed (apt-get install chromium)');
  it.skipIf(!chromium)(
    'renders every throughput chart in headless Chromium',
    () => {
      const dom = execFileSync(
        chromium!,
        [
          '--headless',
          '--no-sandbox',
          '--disable-gpu',
          '--no-first-run',
          '--disable-background-networking',
          '--disable-component-update',
          '--disable-sync',
          `--user-data-dir=${chromiumProfile}`,
          '--dump-dom',
          `file://${join(outDir, 'report.html')}`,
        ],
        { encoding: 'utf8', timeout: 60_000, stdio: ['ignore', 'pipe', 'ignore'] },
      );
      expect(dom).toMatch(/<body[^>]*data-report-ready="true"/);
      for (const id of ['throughput-ndr', 'throughput-pdr', 'throughput-mrr', 'latency-50']) {
        const rendered = new RegExp(`data-chart="${id}"[^>]*data-rendered-points="(\\d+)"`).exec(dom);
        expect(rendered, id).not.toBeNull();
        expect(Number(rendered![1]), id).toBeGreaterThan(0);
      }
    },
    90_000,
  );
});
