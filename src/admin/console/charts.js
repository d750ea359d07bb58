// @ts-check
/**
 * The console's charts, drawn as SVG by our own small code (docs/admin.md "Web console" says why:
 * no library to bundle, audit and keep up to date for two chart shapes; nothing fetched at run time;
 * no inline style, so the strict CSP stays as it is). Pure: a chart is a tree of plain objects
 * (`{ tag, attrs, children, text }`) that console.js turns into SVG elements with createElementNS,
 * setAttribute and textContent only — data never becomes markup. Node tests check the trees.
 *
 * Two shapes: a line chart of samples over time (one or more series), and a bar chart (a histogram's
 * buckets, a figure per call or per type). Each chart carries a <title> and a <desc> listing its
 * numbers, so a screen reader or a keyboard user gets the values, not only the picture.
 */

/** @typedef {{ tag: string, attrs?: Record<string, string>, children?: Node[], text?: string }} Node */
/** @typedef {{ name: string, points: Array<[number, number]> }} Series */

const W = 360;
const H = 150;
const PAD = { l: 44, r: 8, t: 8, b: 22 };
export const PALETTE = ['#2f6fdf', '#d9822b', '#1f9d55', '#a4262c', '#7a4cc2', '#5c6b7a'];

/** @param {number} v */
export function fmt(v) {
  if (!Number.isFinite(v)) return '–';
  const a = Math.abs(v);
  if (a === 0) return '0';
  if (a >= 1000) return `${Math.round(v / 100) / 10}k`;
  if (a >= 10) return String(Math.round(v));
  if (a >= 1) return String(Math.round(v * 10) / 10);
  return String(Math.round(v * 1000) / 1000);
}

/** @param {number} max */
function niceMax(max) {
  if (!(max > 0)) return 1;
  const p = 10 ** Math.floor(Math.log10(max));
  for (const m of [1, 2, 2.5, 5, 10]) if (m * p >= max) return m * p;
  return 10 * p;
}

/** @param {string} title @param {string} desc @param {Node[]} body @returns {Node} */
function svg(title, desc, body) {
  return {
    tag: 'svg',
    attrs: { viewBox: `0 0 ${W} ${H}`, role: 'img', class: 'chart', 'aria-label': title },
    children: [{ tag: 'title', text: title }, { tag: 'desc', text: desc }, ...body],
  };
}

/** Y axis with three gridlines. @param {number} top @param {string} unit @returns {Node[]} */
function yAxis(top, unit) {
  /** @type {Node[]} */
  const out = [];
  for (const f of [0, 0.5, 1]) {
    const y = PAD.t + (H - PAD.t - PAD.b) * (1 - f);
    out.push({ tag: 'line', attrs: { x1: String(PAD.l), x2: String(W - PAD.r), y1: String(y), y2: String(y), class: 'grid' } });
    out.push({ tag: 'text', attrs: { x: String(PAD.l - 4), y: String(y + 4), 'text-anchor': 'end', class: 'tick' }, text: `${fmt(top * f)}${f === 1 && unit ? ` ${unit}` : ''}` });
  }
  return out;
}

/**
 * Samples over time. `points` are [epoch ms, value]; gaps (NaN) break the line.
 * @param {{ title: string, unit?: string, series: Series[], empty?: string }} c @returns {Node}
 */
export function lineChart(c) {
  const all = c.series.flatMap((s) => s.points).filter(([, v]) => Number.isFinite(v));
  const unit = c.unit ?? '';
  if (all.length === 0) return svg(c.title, c.empty ?? 'No samples yet.', [{ tag: 'text', attrs: { x: String(W / 2), y: String(H / 2), 'text-anchor': 'middle', class: 'empty' }, text: c.empty ?? 'No samples yet.' }]);
  const t0 = Math.min(...all.map(([t]) => t));
  const t1 = Math.max(...all.map(([t]) => t), t0 + 1);
  const top = niceMax(Math.max(...all.map(([, v]) => v)));
  const x = (/** @type {number} */ t) => PAD.l + ((t - t0) / (t1 - t0)) * (W - PAD.l - PAD.r);
  const y = (/** @type {number} */ v) => PAD.t + (H - PAD.t - PAD.b) * (1 - v / top);
  /** @type {Node[]} */
  const body = [...yAxis(top, unit)];
  c.series.forEach((s, i) => {
    let d = '';
    let pen = 'M';
    for (const [t, v] of s.points) {
      if (!Number.isFinite(v)) { pen = 'M'; continue; }
      d += `${pen}${x(t).toFixed(1)},${y(v).toFixed(1)}`;
      pen = 'L';
    }
    if (d) body.push({ tag: 'path', attrs: { d, class: 'line', stroke: PALETTE[i % PALETTE.length] ?? '#333', fill: 'none' } });
  });
  const span = Math.round((t1 - t0) / 1000);
  body.push({ tag: 'text', attrs: { x: String(PAD.l), y: String(H - 6), class: 'tick' }, text: `last ${span >= 120 ? `${Math.round(span / 60)} min` : `${span} s`}` });
  if (c.series.length > 1) {
    c.series.forEach((s, i) => body.push({ tag: 'text', attrs: { x: String(W - PAD.r - 90 * (c.series.length - i)), y: String(H - 6), class: 'legend', fill: PALETTE[i % PALETTE.length] ?? '#333' }, text: s.name }));
  }
  const latest = c.series.map((s) => `${s.name}: ${fmt(s.points.filter(([, v]) => Number.isFinite(v)).at(-1)?.[1] ?? NaN)}${unit ? ` ${unit}` : ''}`).join('; ');
  return svg(c.title, `Latest — ${latest}. ${all.length} samples over ${span} s.`, body);
}

/**
 * Bars with labels (histogram buckets, a figure per call or per type).
 * @param {{ title: string, unit?: string, bars: Array<{ label: string, value: number, series?: number }>, empty?: string }} c @returns {Node}
 */
export function barChart(c) {
  const bars = c.bars.filter((b) => Number.isFinite(b.value));
  const unit = c.unit ?? '';
  if (bars.length === 0) return svg(c.title, c.empty ?? 'Nothing measured yet.', [{ tag: 'text', attrs: { x: String(W / 2), y: String(H / 2), 'text-anchor': 'middle', class: 'empty' }, text: c.empty ?? 'Nothing measured yet.' }]);
  const top = niceMax(Math.max(...bars.map((b) => b.value)));
  const slot = (W - PAD.l - PAD.r) / bars.length;
  const plotH = H - PAD.t - PAD.b;
  /** @type {Node[]} */
  const body = [...yAxis(top, unit)];
  bars.forEach((b, i) => {
    const h = (b.value / top) * plotH;
    const x = PAD.l + i * slot + slot * 0.12;
    body.push({
      tag: 'rect',
      attrs: { x: x.toFixed(1), y: (PAD.t + plotH - h).toFixed(1), width: (slot * 0.76).toFixed(1), height: h.toFixed(1), fill: PALETTE[(b.series ?? 0) % PALETTE.length] ?? '#333', class: 'bar' },
      children: [{ tag: 'title', text: `${b.label}: ${fmt(b.value)}${unit ? ` ${unit}` : ''}` }],
    });
    // label every bar when there is room, else every other one (the <title> of each bar has them all)
    if (bars.length <= 7 || i % 2 === 0) body.push({ tag: 'text', attrs: { x: (PAD.l + i * slot + slot / 2).toFixed(1), y: String(H - 6), 'text-anchor': 'middle', class: 'tick' }, text: b.label });
  });
  return svg(c.title, bars.map((b) => `${b.label}: ${fmt(b.value)}${unit ? ` ${unit}` : ''}`).join('; '), body);
}
