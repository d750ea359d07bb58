/**
 * Serves the web console (src/admin/console/: one HTML page, its scripts — the shell, DOM helpers, the
 * pure render and chart modules —, a stylesheet and an icon) at `/console`. The files hold no data — the page fetches everything from the admin
 * API with the operator's key — so they need no key themselves; they are not API routes and are
 * left out of the OpenAPI document on purpose. Every response carries a strict Content-Security-Policy
 * (same-origin scripts, styles and fetches only; media only from blob: URLs the page makes of audio it fetched with the key; no inline script; no framing), nosniff, no referrer
 * and no caching. The build copies the directory next to the compiled server (scripts/build.sh).
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { FastifyInstance } from 'fastify';

const FILES: Record<string, { file: string; type: string }> = {
  '/console': { file: 'index.html', type: 'text/html; charset=utf-8' },
  '/console/': { file: 'index.html', type: 'text/html; charset=utf-8' },
  '/console/console.js': { file: 'console.js', type: 'text/javascript; charset=utf-8' },
  '/console/render.js': { file: 'render.js', type: 'text/javascript; charset=utf-8' },
  '/console/charts.js': { file: 'charts.js', type: 'text/javascript; charset=utf-8' },
  '/console/dom.js': { file: 'dom.js', type: 'text/javascript; charset=utf-8' },
  '/console/records.js': { file: 'records.js', type: 'text/javascript; charset=utf-8' },
  '/console/console.css': { file: 'console.css', type: 'text/css; charset=utf-8' },
  // Browsers ask for an icon on every visit; serving ours (same origin, img-src 'self') spares a 404.
  '/console/favicon.svg': { file: 'favicon.svg', type: 'image/svg+xml' },
};

export const CONSOLE_HEADERS: Record<string, string> = {
  'content-security-policy': "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; img-src 'self'; media-src blob:; base-uri 'none'; form-action 'none'; frame-ancestors 'none'",
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
  'cache-control': 'no-store',
  'x-frame-options': 'DENY',
};

export function isConsoleRoute(url: string): boolean {
  return url === '/console' || url.startsWith('/console/');
}

export function registerConsole(app: FastifyInstance): void {
  const dir = new URL('./console/', import.meta.url);
  for (const [url, f] of Object.entries(FILES)) {
    // Read once at start: a missing file fails start-up here, not a request later.
    const body = readFileSync(fileURLToPath(new URL(f.file, dir)));
    app.get(url, async (_req, reply) => reply.headers({ ...CONSOLE_HEADERS, 'content-type': f.type }).send(body));
  }
}
