/**
 * The system Chromium (Debian's `chromium` package) driven by playwright-core: nothing is downloaded,
 * a fresh profile per launch, no network beyond what the page asks for. Collects everything that
 * counts as a page problem — console errors, uncaught exceptions, failed requests, HTTP answers ≥ 400 —
 * so a test can assert there were none. Screenshots go to test-artifacts/ (gitignored).
 */
import { mkdirSync, mkdtempSync, rmSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type BrowserContext, type Page } from 'playwright-core';
import { REPO } from './gateway-process.js';

export const CHROMIUM = '/usr/bin/chromium';
export const ARTIFACTS = join(REPO, 'test-artifacts');

export interface Browser {
  page: Page;
  context: BrowserContext;
  /** Console errors, page exceptions, failed requests and ≥ 400 answers seen so far. */
  problems: string[];
  screenshot(name: string): Promise<string>;
  close(): Promise<void>;
}

export async function launchChromium(artifactDir: string): Promise<Browser> {
  if (!existsSync(CHROMIUM)) throw new Error(`${CHROMIUM} is missing: scripts/deps.sh test installs the Debian chromium package`);
  const profile = mkdtempSync(join(tmpdir(), 'hushgate-chromium-'));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    headless: true,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
    viewport: { width: 1280, height: 900 },
  });
  const page = context.pages()[0] ?? (await context.newPage());
  const problems: string[] = [];
  page.on('console', (m) => {
    if (m.type() === 'error') problems.push(`console: ${m.text()}`);
  });
  page.on('pageerror', (e) => problems.push(`exception: ${e.message}`));
  page.on('requestfailed', (r) => problems.push(`request failed: ${r.url()} ${r.failure()?.errorText ?? ''}`));
  page.on('response', (r) => {
    if (r.status() >= 400) problems.push(`HTTP ${r.status()}: ${r.url()}`);
  });
  const dir = join(ARTIFACTS, artifactDir);
  mkdirSync(dir, { recursive: true });
  return {
    page,
    context,
    problems,
    async screenshot(name) {
      const path = join(dir, `${name}.png`);
      await page.screenshot({ path, fullPage: true });
      return path;
    },
    async close() {
      await context.close();
      rmSync(profile, { recursive: true, force: true });
    },
  };
}

/**
 * Moves focus with the Tab key (Shift+Tab when `back`) until the focused element matches `css`
 * and, if given, has `text` in its accessible text. Keyboard only: no clicks, no focus() calls.
 */
export async function tabTo(page: Page, css: string, text?: string, opts: { back?: boolean; max?: number } = {}): Promise<void> {
  const max = opts.max ?? 80;
  for (let i = 0; i < max; i++) {
    const hit = await page.evaluate(
      ([sel, t]) => {
        // runs in the page (no DOM types in this Node project)
        const a = (globalThis as any).document.activeElement;
        if (!a || !a.matches(sel!)) return false;
        return !t || (a.textContent ?? '').includes(t) || (a.getAttribute('aria-label') ?? '').includes(t);
      },
      [css, text] as const,
    );
    if (hit) return;
    await page.keyboard.press(opts.back ? 'Shift+Tab' : 'Tab');
  }
  throw new Error(`Tab never reached ${css}${text ? ` "${text}"` : ''}`);
}

/** Everything a person or a script could read off the page: the markup and every form field's value. */
export async function pageText(page: Page): Promise<string> {
  return page.evaluate(() => {
    const doc = (globalThis as any).document; // runs in the page
    const values = [...doc.querySelectorAll('input, textarea, select')].map((e: { value: string }) => e.value);
    return `${doc.documentElement.outerHTML}\n${values.join('\n')}\n${doc.title}`;
  });
}
