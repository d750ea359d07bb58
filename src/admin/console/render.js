// @ts-check
/**
 * The web console's pure part: API responses → tables (a title, column headings, rows of plain
 * strings). No DOM, no fetch, so the same module runs in the browser (console.js draws the tables
 * with textContent only) and in Node tests. Everything shown comes from the admin API, which already
 * obfuscates numbers and never returns transcripts; this module adds nothing from elsewhere.
 */

/** @typedef {{ title: string, columns: string[], rows: string[][], empty: string }} Table */

/** @param {unknown} v */
function text(v) {
  if (v === null || v === undefined) return '';
  if (typeof v === 'object') return JSON.stringify(v);
  return String(v);
}

/** @param {Array<Record<string, unknown>>} calls @returns {Table} */
export function callsTable(calls) {
  return {
    title: 'Live calls',
    columns: ['account', 'application', 'state', 'from', 'to', 'codec', 'seconds'],
    rows: calls.map((c) => [c.accountId, c.applicationId, c.state, c.from, c.to, c.codec, c.durationSeconds].map(text)),
    empty: 'No calls in progress.',
  };
}

/**
 * The fleet's nodes (`/v1/fleet`): which node answers what, and how busy each is.
 * @param {{ nodes: Array<Record<string, unknown>>, totals: Record<string, unknown> }} fleet @returns {Table}
 */
export function fleetTable(fleet) {
  const t = fleet.totals ?? {};
  return {
    title: `Fleet: ${text(t.liveNodes)} live nodes, ${text(t.serving)} serving, ${text(t.callsActive)} calls in progress`,
    columns: ['node', 'SIP', 'state', 'live', 'calls now', 'calls total', 'refused (503)', 'outbox', 'heartbeat age ms'],
    rows: (fleet.nodes ?? []).map((n) => [n.nodeId, n.sip, n.state, n.live ? 'yes' : 'no', n.callsActive, n.callsTotal, n.callsRefused, n.outboxDepth, n.heartbeatAgeMs].map(text)),
    empty: 'No nodes registered.',
  };
}

/** @param {Array<Record<string, unknown>>} calls @returns {Table} */
export function fleetCallsTable(calls) {
  return {
    title: 'Live calls in the fleet',
    columns: ['node', 'account', 'application', 'seconds'],
    rows: calls.map((c) => [c.nodeId, c.accountId, c.applicationId, c.durationSeconds].map(text)),
    empty: 'No calls in progress on any node.',
  };
}

/** @param {Array<Record<string, unknown>>} apps @returns {Table} */
export function applicationsTable(apps) {
  return {
    title: 'Applications',
    columns: ['account', 'application', 'mode', 'region', 'managed by', 'numbers'],
    rows: apps.map((a) => [a.accountId, a.id, a.mode, a.region, a.source, Array.isArray(a.numbers) ? a.numbers.join(', ') : ''].map(text)),
    empty: 'No applications.',
  };
}

/** @param {Array<{ region: string, applications: Array<Record<string, unknown>> }>} regions @returns {Table} */
export function retentionTable(regions) {
  return {
    title: 'Training data retention',
    columns: ['region', 'account', 'application', 'capture', 'retention days', 'records'],
    rows: regions.flatMap((r) => r.applications.map((a) => [r.region, a.accountId, a.applicationId, a.captureEnabled ? 'on' : 'off', a.retentionDays, a.records].map(text))),
    empty: 'No applications capture training data.',
  };
}

/** @param {Array<Record<string, unknown>>} rows @returns {Table} */
export function outboxTable(rows) {
  return {
    title: 'Event outbox',
    columns: ['region', 'pending events', 'oldest (s)'],
    rows: rows.map((r) => [r.region, r.depth, typeof r.oldestAgeSeconds === 'number' ? r.oldestAgeSeconds.toFixed(1) : ''].map(text)),
    empty: 'No outbox.',
  };
}

/** @param {Array<Record<string, unknown>>} entries @returns {Table} */
export function auditTable(entries) {
  return {
    title: 'Audit log (latest)',
    columns: ['#', 'when', 'who', 'action', 'target'],
    rows: entries.slice(-50).reverse().map((e) => [e.seq, e.at, e.actor, e.action, e.target].map(text)),
    empty: 'No audit entries.',
  };
}

/**
 * A few figures from Prometheus text: active and total calls, TTS cache hit ratio, turn latency
 * p50/p99 estimated from the histogram buckets.
 * @param {string} prom @returns {Table}
 */
export function metricsTable(prom) {
  /** @param {string} name */
  const sum = (name) => {
    let total = 0;
    let seen = false;
    for (const line of prom.split('\n')) {
      const m = /^([a-zA-Z_:][\w:]*)(\{[^}]*\})?\s+([-+0-9.eE]+|NaN)$/.exec(line.trim());
      if (m && m[1] === name && m[3] !== 'NaN') (total += Number(m[3])), (seen = true);
    }
    return seen ? total : undefined;
  };
  /** @param {number} q */
  const quantile = (q) => {
    /** @type {Map<number, number>} */
    const buckets = new Map();
    for (const line of prom.split('\n')) {
      const m = /^hushgate_turn_latency_seconds_bucket\{.*le="([^"]+)".*\}\s+([0-9.eE+]+)$/.exec(line.trim());
      if (m) {
        const le = m[1] === '+Inf' ? Infinity : Number(m[1]);
        buckets.set(le, (buckets.get(le) ?? 0) + Number(m[2]));
      }
    }
    const sorted = [...buckets.entries()].sort((a, b) => a[0] - b[0]);
    const total = sorted.length ? sorted[sorted.length - 1][1] : 0;
    if (!total) return '';
    const hit = sorted.find(([, n]) => n >= q * total);
    return hit ? (hit[0] === Infinity ? '> max bucket' : `≤ ${Math.round(hit[0] * 1000)} ms`) : '';
  };
  const ratio = sum('hushgate_tts_cache_hit_ratio');
  return {
    title: 'Gateway',
    columns: ['figure', 'value'],
    rows: [
      ['calls in progress', text(sum('hushgate_calls_active') ?? '')],
      ['calls since start', text(sum('hushgate_calls_total') ?? '')],
      ['TTS cache hit ratio', ratio === undefined ? '' : ratio.toFixed(2)],
      ['turn latency p50', quantile(0.5)],
      ['turn latency p99', quantile(0.99)],
    ],
    empty: '',
  };
}

/**
 * What to show for an API answer that is not 2xx.
 * @param {string} what @param {number} status @param {{ error?: string, message?: string }} body
 */
export function errorText(what, status, body) {
  if (status === 401) return `${what}: the key was refused (unknown, revoked or malformed).`;
  if (status === 403) return `${what}: this key lacks the scope for it (${body.message ?? 'forbidden'}).`;
  if (status === 429) return `${what}: rate limited; try again shortly.`;
  return `${what}: ${status} ${body.error ?? ''} ${body.message ?? ''}`.trim();
}
