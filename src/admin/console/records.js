// @ts-check
/**
 * The console's Records tab: per region the privacy receipt chain's verdict (`/v1/receipts/verify`)
 * and its recent receipts (`/v1/receipts`), then the unexpired recordings (`/v1/recordings`) with
 * Play and Delete. Play fetches the WAV with the operator's key (the same audited read the CLI's
 * `recordings get` makes) and hands it to an <audio> element as a blob: URL — the page's CSP allows
 * media from blob: only; the URL is revoked when the player is replaced or the tab redrawn. Delete is
 * confirmed and goes through `DELETE /v1/recordings/{id}` (audited). Receipts hold ids, times and
 * counts only; nothing else is added here.
 */
import { callReceiptTable, chainVerdictTable, errorText, receiptsTable, recordingsTable } from './render.js';
import { confirmAct, el, tableOf } from './dom.js';

const RECENT_RECEIPTS = 20;

/**
 * @typedef {{ status: number, ok: boolean, body: any }} Answer
 * @typedef {{
 *   api: (path: string, opts?: { method?: string }) => Promise<Answer>,
 *   key: () => string,
 *   failure: (what: string, r: Answer) => Element,
 *   button: (label: string, onClick: () => void, attrs?: Record<string, string>) => Element,
 *   tell: (text: string) => void,
 *   redraw: () => Promise<void>,
 * }} Shell
 */

/** The blob: URL the player holds, revoked when replaced, on any redraw and on sign-out, so decrypted audio does not linger. */
let playing = /** @type {string | undefined} */ (undefined);

export function stopPlaying() {
  if (playing) URL.revokeObjectURL(playing);
  playing = undefined;
}

/** @param {Shell} shell @returns {Promise<Element[]>} */
export async function recordsView(shell) {
  const [apps, recs] = await Promise.all([shell.api('/v1/applications'), shell.api('/v1/recordings?limit=100')]);
  const parts = [];
  if (!apps.ok) parts.push(shell.failure('Regions (from the applications)', apps));
  else {
    const regions = [...new Set(/** @type {Array<{ region: string }>} */ (apps.body).map((a) => String(a.region)))].sort();
    if (!regions.length) parts.push(el('p', {}, ['No applications, so no region to show receipts of.']));
    for (const region of regions) parts.push(await regionReceipts(shell, region));
  }
  parts.push(recs.ok ? recordings(shell, recs.body) : shell.failure('Recordings', recs));
  return parts;
}

/** @param {Shell} shell @param {string} region */
async function regionReceipts(shell, region) {
  const q = encodeURIComponent(region);
  const verdict = await shell.api(`/v1/receipts/verify?region=${q}`);
  const box = el('section', { 'aria-label': `Receipts of ${region}`, 'data-region': region }, []);
  if (!verdict.ok) {
    box.append(shell.failure(`Receipt chain of ${region}`, verdict));
    return box;
  }
  box.append(tableOf(chainVerdictTable(verdict.body), { level: 'h2' }));
  const afterSeq = Math.max(0, Number(verdict.body.head?.seq ?? 0) - RECENT_RECEIPTS);
  const list = await shell.api(`/v1/receipts?region=${q}&afterSeq=${afterSeq}&limit=${RECENT_RECEIPTS}`);
  box.append(list.ok ? tableOf(receiptsTable(region, list.body), { level: 'h3' }) : shell.failure(`Receipts of ${region}`, list));
  return box;
}

/** @param {Shell} shell @param {Array<Record<string, any>>} list */
function recordings(shell, list) {
  const player = el('div', { id: 'player', role: 'region', tabindex: '-1', 'aria-label': 'Recording player' });
  const table = tableOf(recordingsTable(list), {
    actions: (i) => {
      const r = /** @type {Record<string, any>} */ (list[i]);
      return [
        shell.button('Play', () => void play(shell, r, player), { 'aria-label': `Play recording ${r.id}`, 'data-focus': `play-${i}` }),
        shell.button('Delete', () => void remove(shell, r), { 'aria-label': `Delete recording ${r.id}`, 'data-focus': `delete-rec-${i}`, class: 'danger' }),
      ];
    },
  });
  return el('section', { 'aria-label': 'Call recordings' }, [table, player]);
}

/** @param {Shell} shell @param {Record<string, any>} r @param {Element} player */
async function play(shell, r, player) {
  stopPlaying();
  // a fetch with the key, not a plain <audio src>: the API needs the Bearer token and the key never goes in a URL
  const res = await fetch(`/v1/recordings/${encodeURIComponent(r.id)}`, { headers: { authorization: `Bearer ${shell.key()}`, accept: 'audio/wav' }, cache: 'no-store' });
  if (!res.ok) {
    const body = (res.headers.get('content-type') ?? '').includes('json') ? await res.json() : {};
    player.replaceChildren(el('p', { class: 'error', role: 'alert' }, [errorText(`Playing ${r.id}`, res.status, body)]));
    return;
  }
  playing = URL.createObjectURL(await res.blob());
  const audio = el('audio', { controls: true, src: playing, 'aria-label': `Recording ${r.id}` });
  player.replaceChildren(el('h3', {}, [`Playing ${r.id} (${(Number(r.durationMs) / 1000).toFixed(1)} s)`]), audio);
  /** @type {HTMLElement} */ (player).focus();
  shell.tell(`Recording ${r.id} loaded; the read is in the audit log.`);
}

/** @param {Shell} shell @param {Record<string, any>} r */
async function remove(shell, r) {
  if (!(await confirmAct(`Delete recording ${r.id} (call ${r.callId})? The audio is gone for good; the deletion is audited.`, 'Delete recording'))) return;
  const res = await shell.api(`/v1/recordings/${encodeURIComponent(r.id)}`, { method: 'DELETE' });
  shell.tell(res.ok ? `Recording ${r.id} deleted.` : errorText(`Deleting ${r.id}`, res.status, res.body ?? {}));
  await shell.redraw();
}

/**
 * A call's receipt for its story, once the call has ended and its receipt is in the chain; a 404 is
 * "not yet / none" (a live call has no receipt), said as such rather than as an error.
 * @param {Shell} shell @param {string} callId @returns {Promise<Element | undefined>}
 */
export async function storyReceipt(shell, callId) {
  const r = await shell.api(`/v1/receipts/calls/${encodeURIComponent(callId)}`);
  if (r.status === 404) return el('p', { id: 'story-receipt' }, ['Privacy receipt: none yet (a receipt is written when the call ends).']);
  if (r.status === 403) return undefined; // this key may not read receipts: the story shows without it
  return r.ok ? tableOf(callReceiptTable(r.body), { level: 'h3' }) : shell.failure('Privacy receipt', r);
}
