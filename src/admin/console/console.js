// @ts-check
/**
 * The web console in the browser: asks for an API key (kept in sessionStorage only, sent as a
 * Bearer token to this origin's admin API), and shows tabs — Overview (figures and charts sampled
 * from /metrics every 5 s), Calls (live and recent calls, a call's story, hang up), Applications
 * (privacy switches, retention), Erasure (a caller's number in, the receipt out), API keys,
 * Activity (outbox, audit log), Fleet (every node and the calls each holds, or "single node") and
 * Records (receipt chains verified per region, recent receipts, recordings to play or delete). Every act is confirmed in a dialog and goes through the same admin
 * API the CLI uses, so it is scoped and audited there. Drawing uses DOM calls and textContent only
 * (dom.js). Everything works from the keyboard: tabs are buttons (arrow keys move between them),
 * the confirmation dialog takes focus and gives it back.
 */
import {
  applicationsTable, applicationWithSwitches, auditTable, errorText, fleetCallsTable, fleetTable, keysTable, metricsTable, outboxTable, overviewCharts,
  receiptTable, recentCallsTable, retentionTable, sampleOf, singleNodeText, storyTables,
} from './render.js';
import { barChart, lineChart } from './charts.js';
import { confirmAct, el, errorNote, svgOf, tableOf } from './dom.js';
import { recordsView, stopPlaying, storyReceipt } from './records.js';

const KEY = 'hushgate.apiKey';
const HISTORY_SAMPLES = 180; // 15 min at one sample per 5 s
const main = /** @type {HTMLElement} */ (document.getElementById('views'));
const status = /** @type {HTMLElement} */ (document.getElementById('status'));
const notice = /** @type {HTMLElement} */ (document.getElementById('notice'));
const form = /** @type {HTMLFormElement} */ (document.getElementById('login'));
const keyInput = /** @type {HTMLInputElement} */ (document.getElementById('key'));
const tabs = /** @type {HTMLElement} */ (document.getElementById('tabs'));

/** @type {import('./render.js').Sample[]} */
const history = [];
/** The call whose story is open (its id stays in this closure, never in the page). */
let storyOf = /** @type {string | undefined} */ (undefined);
let tab = 'overview';

/** @param {string} path @param {{ method?: string, body?: unknown }} [opts] */
async function api(path, opts = {}) {
  const key = sessionStorage.getItem(KEY) ?? '';
  /** @type {Record<string, string>} */
  const headers = { authorization: `Bearer ${key}`, accept: 'application/json' };
  if (opts.body !== undefined) headers['content-type'] = 'application/json';
  const res = await fetch(path, { method: opts.method ?? 'GET', headers, cache: 'no-store', body: opts.body === undefined ? undefined : JSON.stringify(opts.body) });
  const isJson = (res.headers.get('content-type') ?? '').includes('json');
  return { status: res.status, ok: res.ok, body: isJson ? await res.json() : await res.text() };
}

/** @param {string} what @param {{ status: number, body: any }} r */
const failure = (what, r) => errorNote(errorText(what, r.status, typeof r.body === 'object' && r.body ? r.body : {}));

/** @param {string} text */
function tell(text) {
  notice.textContent = text;
}

/** @param {string} label @param {() => void} onClick @param {Record<string, string>} [attrs] */
function button(label, onClick, attrs = {}) {
  const b = el('button', { type: 'button', ...attrs }, [label]);
  b.addEventListener('click', onClick);
  return b;
}

// ---- Overview -------------------------------------------------------------------------------------

async function sample() {
  try {
    const r = await api('/metrics');
    if (r.ok && typeof r.body === 'string') {
      history.push(sampleOf(r.body, Date.now()));
      if (history.length > HISTORY_SAMPLES) history.shift();
      return r.body;
    }
  } catch { /* the next sample tries again */ }
  return undefined;
}

async function overview() {
  const prom = await sample();
  const recent = await api('/v1/calls/recent?limit=50');
  const parts = [prom === undefined ? errorNote('Gateway figures: /metrics did not answer.') : tableOf(metricsTable(prom))];
  if (!recent.ok) parts.push(failure('Recent calls', recent));
  const grid = el('div', { class: 'charts' });
  for (const c of overviewCharts(history, recent.ok ? recent.body : [])) {
    const tree = c.kind === 'line' ? lineChart(/** @type {any} */ (c)) : barChart(/** @type {any} */ (c));
    grid.append(el('figure', {}, [svgOf(tree), el('figcaption', {}, [c.title])]));
  }
  parts.push(el('section', { 'aria-label': 'Charts' }, [el('h2', {}, ['Charts (sampled every 5 s while this page is open)']), grid]));
  return parts;
}

// ---- Calls and a call's story ---------------------------------------------------------------------

async function calls() {
  const r = await api('/v1/calls/recent?limit=100');
  if (!r.ok) return [failure('Calls', r)];
  /** @type {Array<Record<string, any>>} */
  const list = r.body;
  const parts = [
    tableOf(recentCallsTable(list), {
      actions: (i) => {
        const c = /** @type {Record<string, any>} */ (list[i]);
        const when = String(c.startedAt).slice(11, 19);
        const out = [button('Story', () => openStory(c.callId), { 'aria-label': `Story of the call at ${when}`, 'data-focus': `story-${i}` })];
        if (c.state === 'live') out.push(button('Hang up', () => void hangUp(c.callId, when), { 'aria-label': `Hang up the call at ${when}`, 'data-focus': `hangup-${i}`, class: 'danger' }));
        return out;
      },
    }),
  ];
  // a story no longer kept (erased, or past the recent-calls window) is closed, not asked for
  if (storyOf && !list.some((c) => c.callId === storyOf)) storyOf = undefined;
  if (storyOf) parts.push(await story(storyOf));
  return parts;
}

/** @param {string} callId */
function openStory(callId) {
  storyOf = callId;
  void show().then(() => document.getElementById('story')?.focus());
}

/** @param {string} callId */
async function story(callId) {
  const r = await api(`/v1/calls/${encodeURIComponent(callId)}/story`);
  const box = el('section', { id: 'story', tabindex: '-1', 'aria-label': 'Call story' }, [el('h2', {}, ['Call story'])]);
  if (!r.ok) {
    box.append(failure('Call story', r));
    return box;
  }
  const t = storyTables(r.body);
  // an ended call's privacy receipt (a live call has none yet, so it is not asked for)
  const receipt = r.body.state === 'ended' ? await storyReceipt(shell, callId) : undefined;
  box.append(tableOf(t.summary, { level: 'h3' }), tableOf(t.media, { level: 'h3' }), tableOf(t.timeline, { level: 'h3' }), ...(receipt ? [receipt] : []), button('Close story', () => ((storyOf = undefined), void show()), { 'data-focus': 'close-story' }));
  return box;
}

/** @param {string} callId @param {string} when */
async function hangUp(callId, when) {
  if (!(await confirmAct(`Hang up the call that started at ${when}? The caller hears the call end.`, 'Hang up'))) return;
  const r = await api(`/v1/calls/${encodeURIComponent(callId)}/hangup`, { method: 'POST' });
  tell(r.ok ? `Call at ${when} hung up.` : errorText('Hang up', r.status, r.body ?? {}));
  await show();
}

// ---- Applications: privacy switches ---------------------------------------------------------------

async function applications() {
  const [apps, retention] = await Promise.all([api('/v1/applications'), api('/v1/retention')]);
  if (!apps.ok) return [failure('Applications', apps)];
  /** @type {Array<Record<string, any>>} */
  const list = apps.body;
  return [
    tableOf(applicationsTable(list), {
      actions: (i) => [button('Privacy switches', () => switches(/** @type {Record<string, any>} */ (list[i])), { 'aria-label': `Privacy switches of ${list[i]?.id}`, 'data-focus': `switch-${i}` })],
    }),
    retention.ok ? tableOf(retentionTable(retention.body)) : failure('Retention', retention),
  ];
}

/** @param {Record<string, any>} app */
function switches(app) {
  const id = String(app.id);
  const training = el('input', { type: 'checkbox', id: 'sw-training', checked: Boolean(app.training?.enabled) });
  const days = el('input', { type: 'number', id: 'sw-days', min: '1', max: '3650', value: app.training?.retentionDays === undefined ? '' : String(app.training.retentionDays), placeholder: '30 (default)' });
  const forwarding = el('input', { type: 'checkbox', id: 'sw-forwarding', checked: Boolean(app.forwarding?.enabled) });
  const save = button('Save switches', () => void submit());
  const panel = el('section', { id: 'switches', tabindex: '-1', 'aria-label': `Privacy switches of ${id}` }, [
    el('h2', {}, [`Privacy switches of ${id}`]),
    el('p', {}, [el('label', { for: 'sw-training' }, [training, ' capture training data'])]),
    el('p', {}, [el('label', { for: 'sw-days' }, ['training retention (days) ']), days]),
    el('p', {}, [el('label', { for: 'sw-forwarding' }, [forwarding, ' forward reporting events'])]),
    save,
  ]);
  async function submit() {
    const d = /** @type {HTMLInputElement} */ (days).value.trim();
    const sw = { trainingEnabled: /** @type {HTMLInputElement} */ (training).checked, retentionDays: d === '' ? null : Number(d), forwardingEnabled: /** @type {HTMLInputElement} */ (forwarding).checked };
    const said = `training ${sw.trainingEnabled ? 'on' : 'off'}, retention ${sw.retentionDays ?? 'default'} days, forwarding ${sw.forwardingEnabled ? 'on' : 'off'}`;
    if (!(await confirmAct(`Change ${id}: ${said}? New calls use it at once.`, 'Save'))) return;
    const r = await api(`/v1/applications/${encodeURIComponent(id)}`, { method: 'PUT', body: applicationWithSwitches(app, sw) });
    tell(r.ok ? `${id} saved: ${said}.` : errorText(`Saving ${id}`, r.status, r.body ?? {}));
    if (r.ok) await show();
  }
  main.append(panel);
  panel.focus();
}

// ---- Erasure --------------------------------------------------------------------------------------

async function erasure() {
  const apps = await api('/v1/applications');
  if (!apps.ok) return [failure('Applications', apps)];
  /** @type {Array<Record<string, any>>} */
  const list = apps.body;
  const select = el('select', { id: 'erase-app' }, list.map((a, i) => el('option', { value: String(i) }, [`${a.accountId} / ${a.id}`])));
  const number = el('input', { id: 'erase-number', type: 'tel', autocomplete: 'off', placeholder: '+44…', required: true });
  const result = el('div', { id: 'receipt', tabindex: '-1' });
  const go = button('Erase caller', () => void submit());
  async function submit() {
    const app = list[Number(/** @type {HTMLSelectElement} */ (select).value)];
    const input = /** @type {HTMLInputElement} */ (number);
    const phoneNumber = input.value.trim();
    if (!app || !phoneNumber) return tell('Give the application and the caller\'s number.');
    if (!(await confirmAct(`Erase everything ${app.accountId} / ${app.id} holds for this caller (training data, pending events, call stories)? This cannot be undone.`, 'Erase'))) return;
    input.value = ''; // the number leaves the page as soon as it is sent
    const r = await api('/v1/erasures', { method: 'POST', body: { accountId: app.accountId, applicationId: app.id, phoneNumber } });
    const receipt = r.body?.receipt ?? r.body;
    result.replaceChildren(r.status === 201 || (r.status === 500 && r.body?.receipt) ? tableOf(receiptTable(receipt)) : failure('Erasure', r));
    tell(r.status === 201 ? 'Caller erased; the receipt is below.' : 'Erasure incomplete or refused; see below.');
    result.focus();
  }
  return [
    el('section', { 'aria-label': 'Erase a caller' }, [
      el('h2', {}, ['Erase a caller']),
      el('p', {}, ['The number is sent to the admin API and cleared from this page; the receipt holds no number.']),
      el('p', {}, [el('label', { for: 'erase-app' }, ['application ']), select]),
      el('p', {}, [el('label', { for: 'erase-number' }, ['caller\'s number ']), number]),
      go,
    ]),
    result,
  ];
}

// ---- API keys -------------------------------------------------------------------------------------

const SCOPES = ['config:read', 'config:write', 'calls:read', 'calls:write', 'events:read', 'training:export', 'erasure:write', 'audit:read', 'recordings:read', 'recordings:write', 'receipts:read'];

async function keys() {
  const r = await api('/v1/keys');
  if (!r.ok) return [failure('API keys', r)];
  /** @type {Array<Record<string, any>>} */
  const list = r.body;
  const name = el('input', { id: 'key-name', required: true, maxlength: '100' });
  const boxes = SCOPES.map((s) => el('label', { class: 'scope' }, [el('input', { type: 'checkbox', value: s, 'data-scope': s }), ` ${s}`]));
  const out = el('div', { id: 'new-key', tabindex: '-1' });
  async function create() {
    const scopes = boxes.map((b) => /** @type {HTMLInputElement} */ (b.firstChild)).filter((i) => i.checked).map((i) => i.value);
    const n = /** @type {HTMLInputElement} */ (name).value.trim();
    if (!n || !scopes.length) return tell('Give the key a name and at least one scope.');
    if (!(await confirmAct(`Create the key "${n}" with ${scopes.join(', ')}?`, 'Create key'))) return;
    const c = await api('/v1/keys', { method: 'POST', body: { name: n, scopes } });
    if (!c.ok) return void out.replaceChildren(failure('Creating a key', c));
    await show();
    tell(`Key ${c.body.key.id} created.`);
    const token = el('output', { id: 'token' }, [c.body.token]);
    main.append(el('section', { 'aria-label': 'New key' }, [el('h2', {}, ['New key: copy the token now, it is not shown again']), token]));
  }
  /** @param {Record<string, any>} k */
  async function revoke(k) {
    if (!(await confirmAct(`Revoke the key ${k.id} ("${k.name}")? It stops working at once.`, 'Revoke'))) return;
    const d = await api(`/v1/keys/${encodeURIComponent(k.id)}`, { method: 'DELETE' });
    tell(d.ok ? `Key ${k.id} revoked.` : errorText('Revoking', d.status, d.body ?? {}));
    await show();
  }
  return [
    tableOf(keysTable(list), { actions: (i) => (list[i]?.revokedAt ? [] : [button('Revoke', () => void revoke(/** @type {Record<string, any>} */ (list[i])), { class: 'danger', 'aria-label': `Revoke key ${list[i]?.id}`, 'data-focus': `revoke-${i}` })]) }),
    el('section', { 'aria-label': 'Create a key' }, [
      el('h2', {}, ['Create a key']),
      el('p', {}, [el('label', { for: 'key-name' }, ['name ']), name]),
      el('fieldset', {}, [el('legend', {}, ['scopes (a subset of this key\'s own)']), ...boxes]),
      button('Create key', () => void create()),
      out,
    ]),
  ];
}

// ---- Activity -------------------------------------------------------------------------------------

async function activity() {
  const [outbox, audit] = await Promise.all([api('/v1/events/outbox'), api('/v1/audit?limit=1000')]);
  return [outbox.ok ? tableOf(outboxTable(outbox.body)) : failure('Event outbox', outbox), audit.ok ? tableOf(auditTable(audit.body)) : failure('Audit log', audit)];
}

// ---- Fleet ----------------------------------------------------------------------------------------

/** `/v1/node` first: a gateway alone has no fleet to ask for (`/v1/fleet` would answer 503). */
async function fleet() {
  const self = await api('/v1/node');
  if (!self.ok) return [failure('Fleet', self)];
  if (!self.body.fleet) return [el('section', { 'aria-label': 'Fleet' }, [el('h2', {}, ['Fleet']), el('p', { id: 'single-node' }, [singleNodeText(self.body)])])];
  const [nodes, live] = await Promise.all([api('/v1/fleet'), api('/v1/fleet/calls')]);
  return [
    nodes.ok ? tableOf(fleetTable(nodes.body)) : failure('Fleet nodes', nodes),
    live.ok ? tableOf(fleetCallsTable(live.body)) : failure('Calls in the fleet', live),
  ];
}

// ---- Records: receipts and recordings (records.js) ------------------------------------------------

/** What records.js may use of the shell: the same API calls, notices and redraw as every tab. */
const shell = { api, key: () => sessionStorage.getItem(KEY) ?? '', failure, button, tell, redraw: () => show() };

// ---- Shell ----------------------------------------------------------------------------------------

/** Views, and whether they refresh by themselves (forms being filled in are never redrawn under the operator). */
const VIEWS = /** @type {Record<string, { view: () => Promise<Element[]>, live: boolean }>} */ ({
  overview: { view: overview, live: true },
  calls: { view: calls, live: true },
  applications: { view: applications, live: false },
  erasure: { view: erasure, live: false },
  keys: { view: keys, live: false },
  activity: { view: activity, live: true },
  fleet: { view: fleet, live: true },
  // not live: a redraw would cut off the recording being played
  records: { view: () => recordsView(shell), live: false },
});

/** The draw in progress, if any; a tab chosen (or an act done) meanwhile asks for one more. */
let drawing = /** @type {Promise<void> | undefined} */ (undefined);
let redraw = false;

/**
 * Draws the current tab. Callers that await it get the view they asked for: a call made while a
 * draw is running resolves after one more draw (a quick arrow-key walk over the tabs ends on the
 * last tab's view, and a view appended to after `await show()` is not redrawn away).
 * @returns {Promise<void>}
 */
function show() {
  if (!sessionStorage.getItem(KEY)) return Promise.resolve();
  if (drawing) {
    redraw = true;
    return drawing;
  }
  drawing = (async () => {
    try {
      do {
        redraw = false;
        await drawOnce();
      } while (redraw);
    } finally {
      drawing = undefined;
    }
  })();
  return drawing;
}

async function drawOnce() {
  const focused = document.activeElement instanceof HTMLElement ? document.activeElement.dataset.focus : undefined;
  let parts;
  try {
    parts = await /** @type {{ view: () => Promise<Element[]> }} */ (VIEWS[tab]).view();
  } catch (e) {
    parts = [errorNote(`${tab}: ${e instanceof Error ? e.message : 'request failed'}`)];
  }
  stopPlaying(); // the player (if any) leaves the page with this redraw; its decrypted audio goes too
  main.replaceChildren(...parts);
  // a redraw keeps the keyboard where it was
  if (focused) /** @type {HTMLElement | null} */ (main.querySelector(`[data-focus="${CSS.escape(focused)}"]`))?.focus();
  status.textContent = `Updated ${new Date().toLocaleTimeString()}`;
}

/** @param {string} name */
function selectTab(name) {
  tab = name;
  for (const b of tabs.querySelectorAll('[role="tab"]')) {
    const on = b.getAttribute('data-tab') === name;
    b.setAttribute('aria-selected', String(on));
    b.setAttribute('tabindex', on ? '0' : '-1');
  }
  main.setAttribute('aria-labelledby', `tab-${name}`);
  void show();
}

tabs.addEventListener('click', (ev) => {
  const b = ev.target instanceof Element ? ev.target.closest('[role="tab"]') : null;
  if (b) selectTab(b.getAttribute('data-tab') ?? 'overview');
});
tabs.addEventListener('keydown', (ev) => {
  const all = /** @type {HTMLElement[]} */ ([...tabs.querySelectorAll('[role="tab"]')]);
  const i = all.findIndex((b) => b.getAttribute('data-tab') === tab);
  const next = ev.key === 'ArrowRight' ? (i + 1) % all.length : ev.key === 'ArrowLeft' ? (i - 1 + all.length) % all.length : ev.key === 'Home' ? 0 : ev.key === 'End' ? all.length - 1 : -1;
  if (next < 0) return;
  ev.preventDefault();
  all[next]?.focus();
  selectTab(all[next]?.getAttribute('data-tab') ?? 'overview');
});

form.addEventListener('submit', (ev) => {
  ev.preventDefault();
  sessionStorage.setItem(KEY, keyInput.value.trim());
  keyInput.value = '';
  tabs.hidden = false;
  tell('Signed in.');
  selectTab(tab);
});
document.getElementById('logout')?.addEventListener('click', () => {
  sessionStorage.removeItem(KEY);
  stopPlaying();
  main.replaceChildren();
  history.length = 0;
  storyOf = undefined;
  tabs.hidden = true;
  status.textContent = 'Signed out.';
});

if (sessionStorage.getItem(KEY)) {
  tabs.hidden = false;
  selectTab(tab);
}
setInterval(() => {
  if (!sessionStorage.getItem(KEY)) return;
  // live views redraw; the others still sample the metrics so the charts have a history
  if (VIEWS[tab]?.live) void show();
  else void sample();
}, 5000);
