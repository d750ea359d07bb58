// @ts-check
/**
 * DOM helpers of the console: elements are built with createElement(NS), setAttribute and
 * textContent only — a value from the API is never parsed as markup (no HTML-string APIs at all).
 */

/**
 * @param {string} tag
 * @param {Record<string, string | boolean | undefined>} [attrs]
 * @param {Array<Node | string | undefined | null | false>} [children]
 */
export function el(tag, attrs = {}, children = []) {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (v === undefined || v === false) continue;
    e.setAttribute(k, v === true ? '' : v);
  }
  for (const c of children) if (c !== undefined && c !== null && c !== false) e.append(typeof c === 'string' ? document.createTextNode(c) : c);
  return e;
}

const SVG = 'http://www.w3.org/2000/svg';

/** A chart tree from charts.js → SVG elements. @param {import('./charts.js').Node} n @returns {Element} */
export function svgOf(n) {
  const e = document.createElementNS(SVG, n.tag);
  for (const [k, v] of Object.entries(n.attrs ?? {})) e.setAttribute(k, v);
  if (n.text !== undefined) e.textContent = n.text;
  for (const c of n.children ?? []) e.append(svgOf(c));
  return e;
}

/**
 * A table from render.js. `actions(i)` adds a last column of controls for row i.
 * @param {import('./render.js').Table} t
 * @param {{ actions?: (i: number) => Element[], level?: string }} [opts]
 */
export function tableOf(t, opts = {}) {
  const section = el('section', { 'aria-label': t.title }, [el(opts.level ?? 'h2', {}, [t.title])]);
  if (!t.rows.length) {
    section.append(el('p', {}, [t.empty]));
    return section;
  }
  const table = /** @type {HTMLTableElement} */ (el('table'));
  const head = table.createTHead().insertRow();
  for (const c of [...t.columns, ...(opts.actions ? [''] : [])]) head.append(el('th', { scope: 'col' }, [c]));
  const body = table.createTBody();
  t.rows.forEach((r, i) => {
    const tr = body.insertRow();
    for (const cell of r) tr.insertCell().textContent = cell;
    if (opts.actions) tr.insertCell().append(...opts.actions(i));
  });
  section.append(table);
  return section;
}

/** @param {string} what */
export function errorNote(what) {
  return el('p', { class: 'error', role: 'alert' }, [what]);
}

/**
 * Asks before an act (the page's one <dialog>: focus moves into it, Esc cancels, focus returns).
 * @param {string} question @param {string} confirmLabel @returns {Promise<boolean>}
 */
export function confirmAct(question, confirmLabel) {
  const dialog = /** @type {HTMLDialogElement} */ (document.getElementById('confirm'));
  const text = /** @type {HTMLElement} */ (document.getElementById('confirm-text'));
  const ok = /** @type {HTMLButtonElement} */ (document.getElementById('confirm-ok'));
  const cancel = /** @type {HTMLButtonElement} */ (document.getElementById('confirm-cancel'));
  const opener = document.activeElement;
  text.textContent = question;
  ok.textContent = confirmLabel;
  return new Promise((resolve) => {
    /** @param {boolean} answer */
    const done = (answer) => {
      ok.removeEventListener('click', yes);
      cancel.removeEventListener('click', no);
      dialog.removeEventListener('cancel', no);
      if (dialog.open) dialog.close();
      if (opener instanceof HTMLElement && opener.isConnected) opener.focus();
      resolve(answer);
    };
    const yes = () => done(true);
    const no = (/** @type {Event} */ ev) => (ev.preventDefault(), done(false));
    ok.addEventListener('click', yes);
    cancel.addEventListener('click', no);
    dialog.addEventListener('cancel', no);
    dialog.showModal();
    cancel.focus();
  });
}
