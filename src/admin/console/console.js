// @ts-check
/**
 * The web console in the browser: asks for an API key (kept in sessionStorage only, sent as a
 * Bearer token to this origin's admin API), fetches the views, and draws them with DOM calls and
 * textContent only — nothing from the API is ever parsed as markup. Refreshes every 5 s.
 */
import { applicationsTable, auditTable, callsTable, errorText, fleetCallsTable, fleetTable, metricsTable, outboxTable, retentionTable } from './render.js';

const KEY = 'hushgate.apiKey';
const main = /** @type {HTMLElement} */ (document.getElementById('views'));
const status = /** @type {HTMLElement} */ (document.getElementById('status'));
const form = /** @type {HTMLFormElement} */ (document.getElementById('login'));
const keyInput = /** @type {HTMLInputElement} */ (document.getElementById('key'));

/** @param {import('./render.js').Table} t */
function draw(t) {
  const section = document.createElement('section');
  const h = document.createElement('h2');
  h.textContent = t.title;
  section.append(h);
  if (!t.rows.length) {
    const p = document.createElement('p');
    p.textContent = t.empty;
    section.append(p);
    return section;
  }
  const table = document.createElement('table');
  const head = table.createTHead().insertRow();
  for (const c of t.columns) {
    const th = document.createElement('th');
    th.textContent = c;
    head.append(th);
  }
  const body = table.createTBody();
  for (const r of t.rows) {
    const tr = body.insertRow();
    for (const cell of r) tr.insertCell().textContent = cell;
  }
  section.append(table);
  return section;
}

/** @param {string} what */
function note(what) {
  const p = document.createElement('p');
  p.className = 'error';
  p.textContent = what;
  return p;
}

/** @param {string} path */
async function get(path) {
  const key = sessionStorage.getItem(KEY) ?? '';
  const res = await fetch(path, { headers: { authorization: `Bearer ${key}`, accept: 'application/json' }, cache: 'no-store' });
  const isJson = (res.headers.get('content-type') ?? '').includes('json');
  return { status: res.status, body: isJson ? await res.json() : await res.text() };
}

/** Views a gateway outside a fleet does not have (503 not_available): left out rather than shown as errors. */
const OPTIONAL = new Set(['/v1/fleet', '/v1/fleet/calls']);

const VIEWS = [
  ['Gateway', '/metrics', metricsTable],
  ['Fleet', '/v1/fleet', fleetTable],
  ['Live calls', '/v1/calls', callsTable],
  ['Fleet calls', '/v1/fleet/calls', fleetCallsTable],
  ['Applications', '/v1/applications', applicationsTable],
  ['Retention', '/v1/retention', retentionTable],
  ['Event outbox', '/v1/events/outbox', outboxTable],
  ['Audit log', '/v1/audit?limit=1000', auditTable],
];

async function refresh() {
  if (!sessionStorage.getItem(KEY)) return;
  const parts = await Promise.all(
    VIEWS.map(async ([what, path, render]) => {
      try {
        const r = await get(/** @type {string} */ (path));
        if (r.status === 503 && OPTIONAL.has(/** @type {string} */ (path))) return document.createDocumentFragment();
        if (r.status >= 200 && r.status < 300) return draw(/** @type {(x: any) => import('./render.js').Table} */ (render)(r.body));
        return note(errorText(/** @type {string} */ (what), r.status, typeof r.body === 'object' ? r.body : {}));
      } catch (e) {
        return note(`${what}: ${e instanceof Error ? e.message : 'request failed'}`);
      }
    }),
  );
  main.replaceChildren(...parts);
  status.textContent = `Updated ${new Date().toLocaleTimeString()}`;
}

form.addEventListener('submit', (ev) => {
  ev.preventDefault();
  sessionStorage.setItem(KEY, keyInput.value.trim());
  keyInput.value = '';
  void refresh();
});
document.getElementById('logout')?.addEventListener('click', () => {
  sessionStorage.removeItem(KEY);
  main.replaceChildren();
  status.textContent = 'Signed out.';
});
void refresh();
setInterval(() => void refresh(), 5000);
