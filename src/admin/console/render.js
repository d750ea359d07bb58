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

/**
 * What the Fleet tab says of a gateway that runs alone (`/v1/node` with `fleet: false`).
 * @param {{ nodeId?: unknown, state?: unknown }} node
 */
export function singleNodeText(node) {
  return `Single node: ${text(node.nodeId)} runs alone (not part of a fleet) and is ${text(node.state)}. Its calls are in the Calls tab; a fleet (fleet.enabled with a PostgreSQL control region) lists every node here.`;
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

/**
 * One scrape of `/metrics` reduced to what the charts need. Sums over labels unless a label is kept.
 * @typedef {{ t: number, callsActive: number, callsTotal: number, outboxDepth: number, delivered: number,
 *   redactions: Record<string, number>, histograms: Record<string, Array<[number, number]>> }} Sample
 */

const HISTOGRAMS = ['hushgate_turn_latency_seconds', 'hushgate_stt_latency_seconds', 'hushgate_dialog_latency_seconds', 'hushgate_tts_latency_seconds', 'hushgate_rtp_loss_ratio', 'hushgate_rtp_jitter_seconds'];

/** @param {string} prom @param {number} t @returns {Sample} */
export function sampleOf(prom, t) {
  /** @type {Sample} */
  const s = { t, callsActive: 0, callsTotal: 0, outboxDepth: 0, delivered: 0, redactions: {}, histograms: {} };
  /** @type {Record<string, Map<number, number>>} */
  const buckets = {};
  for (const raw of prom.split('\n')) {
    const m = /^([a-zA-Z_:][\w:]*)(?:\{([^}]*)\})?\s+([-+0-9.eE]+|NaN|[+-]Inf)$/.exec(raw.trim());
    if (!m) continue;
    const [, name, labels = '', value] = m;
    const v = Number(value);
    if (!Number.isFinite(v)) continue;
    const label = (/** @type {string} */ k) => new RegExp(`(?:^|,)${k}="([^"]*)"`).exec(labels)?.[1];
    if (name === 'hushgate_calls_active') s.callsActive += v;
    else if (name === 'hushgate_calls_total') s.callsTotal += v;
    else if (name === 'hushgate_outbox_depth') s.outboxDepth += v;
    else if (name === 'hushgate_events_delivered_total') s.delivered += v;
    else if (name === 'hushgate_redactions_total') {
      // one series per entity type and destination, as the Grafana panel sums them
      const key = `${label('type') ?? 'unknown'}/${label('destination') ?? 'unknown'}`;
      s.redactions[key] = (s.redactions[key] ?? 0) + v;
    } else if (name?.endsWith('_bucket') && HISTOGRAMS.includes(name.slice(0, -7))) {
      const h = name.slice(0, -7);
      const le = label('le');
      if (le === undefined) continue;
      const key = le === '+Inf' ? Infinity : Number(le);
      const b = (buckets[h] ??= new Map());
      b.set(key, (b.get(key) ?? 0) + v);
    }
  }
  for (const [h, b] of Object.entries(buckets)) s.histograms[h] = [...b.entries()].sort((a, c) => a[0] - c[0]);
  return s;
}

/** A histogram's quantile (upper bound of the bucket holding it), or NaN. @param {Array<[number, number]> | undefined} cum @param {number} q */
export function quantileOf(cum, q) {
  if (!cum?.length) return NaN;
  const total = cum[cum.length - 1]?.[1] ?? 0;
  if (!total) return NaN;
  const hit = cum.find(([, n]) => n >= q * total);
  return hit ? hit[0] : NaN;
}

/** Cumulative buckets → count per bucket, labelled by upper bound. @param {Array<[number, number]> | undefined} cum @param {(le: number) => string} label */
export function bucketCounts(cum, label) {
  let prev = 0;
  return (cum ?? []).map(([le, n]) => {
    const c = { label: le === Infinity ? `>${label(cum?.[cum.length - 2]?.[0] ?? 0)}` : `≤${label(le)}`, value: n - prev };
    prev = n;
    return c;
  });
}

/** Per-minute rate between consecutive samples. @param {Sample[]} h @param {(s: Sample) => number} f @returns {Array<[number, number]>} */
export function ratePerMinute(h, f) {
  /** @type {Array<[number, number]>} */
  const out = [];
  for (let i = 1; i < h.length; i++) {
    const a = /** @type {Sample} */ (h[i - 1]);
    const b = /** @type {Sample} */ (h[i]);
    const dt = (b.t - a.t) / 60000;
    out.push([b.t, dt > 0 ? Math.max(0, f(b) - f(a)) / dt : NaN]);
  }
  return out;
}

const ms = (/** @type {number} */ s) => `${Math.round(s * 1000)}ms`;

/**
 * Every chart of the overview, as chart specs (charts.js draws them). `history`: samples, oldest
 * first; `recent`: `/v1/calls/recent` (media quality per ended call).
 * @param {Sample[]} history @param {Array<Record<string, any>>} recent
 */
export function overviewCharts(history, recent) {
  const last = history[history.length - 1];
  const h = last?.histograms ?? {};
  const ended = recent.filter((c) => c.state === 'ended' && c.media).slice(0, 20).reverse();
  const types = [...new Set(history.flatMap((s) => Object.keys(s.redactions)))].sort();
  const stages = /** @type {const} */ ([['stt', 'hushgate_stt_latency_seconds'], ['dialog', 'hushgate_dialog_latency_seconds'], ['tts', 'hushgate_tts_latency_seconds'], ['turn', 'hushgate_turn_latency_seconds']]);
  const t = (/** @type {string} */ iso) => Date.parse(iso);
  return [
    { kind: 'line', title: 'Calls in progress', series: [{ name: 'calls', points: history.map((s) => [s.t, s.callsActive]) }] },
    { kind: 'line', title: 'Call set-ups per minute', series: [{ name: 'set-ups', points: ratePerMinute(history, (s) => s.callsTotal) }] },
    { kind: 'bar', title: 'Turn latency (end of speech → first audio), turns per bucket', bars: bucketCounts(h['hushgate_turn_latency_seconds'], ms), empty: 'No turns yet.' },
    {
      kind: 'bar', title: 'Turn stages (STT, dialog, TTS first audio, whole turn): p50 blue, p99 orange', unit: 'ms', empty: 'No turns yet.',
      bars: stages.flatMap(([name, metric]) => [
        { label: name, value: quantileOf(h[metric], 0.5) * 1000, series: 0 },
        { label: `${name} p99`, value: quantileOf(h[metric], 0.99) * 1000, series: 1 },
      ]).filter((b) => Number.isFinite(b.value)),
    },
    { kind: 'bar', title: 'MOS per ended call (latest 20)', bars: ended.filter((c) => c.media.mos !== null).map((c, i) => ({ label: `#${i + 1}`, value: c.media.mos })), empty: 'No ended calls with media yet.' },
    {
      kind: 'line', title: 'RTP loss (%) and jitter (ms) per ended call, over time',
      series: [
        { name: 'loss %', points: ended.map((c) => [t(c.endedAt), c.media.lossRatio * 100]) },
        { name: 'jitter ms', points: ended.map((c) => [t(c.endedAt), c.media.jitterMs]) },
      ],
      empty: 'No ended calls with media yet.',
    },
    { kind: 'bar', title: 'RTP loss ratio per call, calls per bucket', bars: bucketCounts(h['hushgate_rtp_loss_ratio'], (le) => `${Math.round(le * 1000) / 10}%`), empty: 'No ended calls yet.' },
    { kind: 'bar', title: 'RTP jitter per call, calls per bucket', bars: bucketCounts(h['hushgate_rtp_jitter_seconds'], ms), empty: 'No ended calls yet.' },
    { kind: 'line', title: 'Event outbox depth', series: [{ name: 'pending', points: history.map((s) => [s.t, s.outboxDepth]) }] },
    { kind: 'line', title: 'Event deliveries per minute', series: [{ name: 'delivered', points: ratePerMinute(history, (s) => s.delivered) }] },
    {
      kind: 'line', title: 'Redactions per minute, by entity type/destination', empty: 'Nothing redacted yet.',
      series: types.map((type) => ({ name: type, points: ratePerMinute(history, (s) => s.redactions[type] ?? 0) })),
    },
  ];
}

/** @param {Array<Record<string, unknown>>} calls @returns {Table} */
export function recentCallsTable(calls) {
  return {
    title: 'Live and recent calls',
    columns: ['started', 'state', 'account', 'application', 'from', 'turns', 'keys', 'transfers', 'redacted', 'MOS', 'ended'],
    rows: calls.map((c) => {
      const m = /** @type {{ mos?: number | null } | null} */ (c.media);
      return [typeof c.startedAt === 'string' ? c.startedAt.slice(11, 19) : '', c.state, c.accountId, c.applicationId, c.from, c.turns, c.dtmfKeys, c.transfers, c.redactedSpans, m?.mos ?? '', c.endReason ?? ''].map(text);
    }),
    empty: 'No calls since the gateway started.',
  };
}

/** @param {Record<string, unknown>} e */
function timelineRow(e) {
  const at = `+${((Number(e.offsetMs) || 0) / 1000).toFixed(1)} s`;
  switch (e.kind) {
    case 'started': return [at, 'call started', ''];
    case 'caller': {
      const red = Array.isArray(e.redacted) && e.redacted.length ? ` — redacted: ${e.redacted.join(', ')}` : '';
      const conf = typeof e.confidence === 'number' ? ` (confidence ${e.confidence})` : '';
      return [at, `caller, turn ${text(e.turn)}`, e.text === null ? `(not shown: the policy drops transcripts)${red}` : `“${text(e.text)}”${conf}${red}`];
    }
    case 'turn': {
      const t = /** @type {Record<string, number>} */ (e.timings ?? {});
      const parts = Object.entries(t).map(([k, v]) => `${k} ${v} ms`);
      if (typeof e.responses === 'number') parts.push(`${e.responses} response(s)`);
      if (e.error) parts.push(`error: ${text(e.error)}`);
      return [at, `agent, turn ${text(e.turn)}`, parts.join(' · ')];
    }
    case 'dtmf': return [at, 'keys pressed', `${text(e.keys)} key(s) (which keys is never shown)`];
    case 'transfer': return [at, `transfer ${text(e.outcome)}`, e.target ? `to ${text(e.target)}` : ''];
    case 'ended': return [at, 'call ended', text(e.reason)];
    default: return [at, text(e.kind), ''];
  }
}

/**
 * A call's story: its summary, media quality and timeline.
 * @param {Record<string, any>} s @returns {{ summary: Table, media: Table, timeline: Table }}
 */
export function storyTables(s) {
  const m = s.media;
  return {
    summary: {
      title: 'Call',
      columns: ['figure', 'value'],
      rows: [
        ['state', s.state], ['account', s.accountId], ['application', s.applicationId], ['from', s.from], ['to', s.to],
        ['started', s.startedAt], ['ended', s.endedAt ?? ''], ['end reason', s.endReason ?? ''],
        ['turns', s.turns], ['keys pressed', s.dtmfKeys], ['transfers', s.transfers], ['redacted spans', s.redactedSpans],
      ].map((r) => r.map(text)),
      empty: '',
    },
    media: {
      title: 'Media quality',
      columns: ['codec', 'packets received', 'lost', 'loss', 'jitter', 'MOS'],
      rows: m ? [[m.codec ?? '', m.packetsReceived, m.packetsLost, `${(m.lossRatio * 100).toFixed(2)} %`, `${Number(m.jitterMs).toFixed(1)} ms`, m.mos ?? ''].map(text)] : [],
      empty: 'Not measured.',
    },
    timeline: {
      title: 'Timeline',
      columns: ['when', 'what', 'detail'],
      rows: (Array.isArray(s.timeline) ? s.timeline : []).map(timelineRow),
      empty: 'Nothing happened yet.',
    },
  };
}

/** @param {Array<Record<string, unknown>>} keys @returns {Table} */
export function keysTable(keys) {
  return {
    title: 'API keys',
    columns: ['id', 'name', 'scopes', 'account', 'created', 'revoked'],
    rows: keys.map((k) => [k.id, k.name, Array.isArray(k.scopes) ? k.scopes.join(' ') : '', k.accountId ?? 'all', k.createdAt, k.revokedAt ?? ''].map(text)),
    empty: 'No keys.',
  };
}

/** An erasure receipt as rows (no number, no pseudonym: the API never returns them). @param {Record<string, any>} r @returns {Table} */
export function receiptTable(r) {
  const counts = Object.entries(r.counts ?? {}).map(([k, v]) => `${k} ${v}`).join(', ');
  return {
    title: 'Erasure receipt',
    columns: ['field', 'value'],
    rows: [
      ['request id', r.requestId], ['account', r.accountId], ['application', r.applicationId], ['requested', r.requestedAt], ['completed', r.completedAt],
      ['removed', counts], ['regions', (r.regions ?? []).join(', ')],
      ['failed', (r.failed ?? []).join('; ') || 'none'], ['not reached', (r.notReached ?? []).join('; ') || 'none'],
    ].map((x) => x.map(text)),
    empty: '',
  };
}

/**
 * The body to PUT back for an application after changing its privacy switches: the GET answer less
 * what the server adds (ids, owner, times); secrets come back masked and are kept by the server.
 * @param {Record<string, any>} app @param {{ trainingEnabled: boolean, retentionDays: number | null, forwardingEnabled: boolean }} sw
 */
export function applicationWithSwitches(app, sw) {
  const { id: _id, accountId: _a, source: _s, createdAt: _c, updatedAt: _u, ...body } = app;
  const training = { ...(body.training ?? {}), enabled: sw.trainingEnabled };
  if (sw.retentionDays === null) delete training.retentionDays;
  else training.retentionDays = sw.retentionDays;
  return { ...body, training, forwarding: { ...(body.forwarding ?? {}), enabled: sw.forwardingEnabled } };
}

/** @param {Record<string, any> | undefined} counts one destination's counts by outcome → entity type */
function outcomeTotals(counts) {
  return Object.entries(counts ?? {})
    .map(([outcome, byType]) => [outcome, Object.values(byType ?? {}).reduce((n, v) => n + (Number(v) || 0), 0)])
    .filter(([, n]) => Number(n) > 0)
    .map(([outcome, n]) => `${n} ${outcome}`)
    .join(', ');
}

/** Destinations of a call receipt, one phrase each: `events: 2 redacted; logs: 1 redacted`. @param {Record<string, any> | undefined} d */
function destinationsText(d) {
  const parts = Object.entries(d ?? {}).map(([dest, c]) => `${dest}: ${outcomeTotals(c) || 'nothing'}`);
  return parts.length ? parts.join('; ') : 'none';
}

/** @param {Record<string, any> | null | undefined} rec */
function recordingText(rec) {
  if (!rec) return 'not recorded';
  const pauses = Array.isArray(rec.pauses) ? rec.pauses.length : 0;
  return `${rec.recorded ? 'recorded' : 'not recorded'} (consent ${text(rec.consent)}: ${text(rec.outcome)}), ${pauses} pause(s)`;
}

/** @param {Array<Record<string, any>> | undefined} streams */
function streamsText(streams) {
  if (!Array.isArray(streams) || !streams.length) return 'none';
  return `${streams.length} (${streams.map((s) => `${text(s.format)}, ${text(s.reconnects)} reconnect(s)`).join('; ')})`;
}

/** @param {Array<Record<string, any>> | undefined} spans */
function sensitiveText(spans) {
  if (!Array.isArray(spans) || !spans.length) return 'none';
  const words = spans.reduce((n, s) => n + (Number(s.words) || 0), 0);
  const digits = spans.reduce((n, s) => n + (Number(s.digits) || 0), 0);
  return `${spans.length} span(s), ${words} word(s) and ${digits} digit(s) withheld`;
}

/**
 * A region's receipt chain as checked by `/v1/receipts/verify`: the verdict, its head and each problem.
 * @param {Record<string, any>} v @returns {Table}
 */
export function chainVerdictTable(v) {
  const problems = Array.isArray(v.problems) ? v.problems : [];
  return {
    title: `Receipt chain of ${text(v.region)}: ${v.ok === true ? 'verified' : 'DOES NOT VERIFY'}`,
    columns: ['figure', 'value'],
    rows: [
      ['receipts', v.receipts], ['head', v.head ? `#${v.head.seq} ${String(v.head.hash).slice(0, 16)}…` : 'empty'],
      ['problems', problems.length ? problems.map((p) => `#${text(p.seq)} ${text(p.problem)}: ${text(p.detail)}`).join('; ') : 'none'],
    ].map((r) => r.map(text)),
    empty: '',
  };
}

/** A SIP Call-ID without its host part (`abc@198.51.100.7` → `abc@…`): the host may be the caller's own address. @param {unknown} id */
export function callIdText(id) {
  const s = String(id ?? '');
  const at = s.indexOf('@');
  return at < 0 ? s : `${s.slice(0, at)}@…`;
}

/**
 * A region's recent receipts (`/v1/receipts`), newest first: ids, times and counts only (the bodies
 * hold no PII; nothing from elsewhere is added).
 * @param {string} region @param {Array<Record<string, any>>} receipts @returns {Table}
 */
export function receiptsTable(region, receipts) {
  return {
    title: `Recent receipts in ${region}`,
    columns: ['#', 'kind', 'call or request', 'application', 'started', 'ended', 'destinations', 'sensitive', 'recording', 'streams'],
    rows: [...receipts].reverse().map((r) => {
      const b = r.body ?? {};
      if (r.kind !== 'call') return [r.seq, r.kind, r.subject, b.applicationId, b.at, '', Object.entries(b.counts ?? {}).map(([k, n]) => `${k} ${n}`).join(', '), '', '', ''].map(text);
      return [r.seq, r.kind, callIdText(r.subject), b.applicationId, b.startedAt, b.endedAt, destinationsText(b.destinations), sensitiveText(b.sensitive), recordingText(b.recording), streamsText(b.streams)].map(text);
    }),
    empty: 'No receipts in this region yet.',
  };
}

/** One call's receipt (`/v1/receipts/calls/{id}`), shown in the call's story. @param {Record<string, any>} r @returns {Table} */
export function callReceiptTable(r) {
  const b = r.body ?? {};
  const pauses = Array.isArray(b.recording?.pauses) ? b.recording.pauses : [];
  return {
    title: 'Privacy receipt',
    columns: ['field', 'value'],
    rows: [
      ['region, position', `${text(r.region)} #${text(r.seq)}`], ['application', b.applicationId], ['started', b.startedAt], ['ended', b.endedAt], ['end reason', b.endReason],
      ['caller turns', b.callerTurns], ['destinations', destinationsText(b.destinations)], ['sensitive', sensitiveText(b.sensitive)],
      ['recording', recordingText(b.recording)],
      ['recording pauses', pauses.map((p) => `${(Number(p.fromMs) / 1000).toFixed(1)}–${p.toMs === undefined ? 'end' : (Number(p.toMs) / 1000).toFixed(1)} s (${(p.reasons ?? []).join(', ')})`).join('; ') || 'none'],
      ['streams', streamsText(b.streams)], ['retained until', b.retentionExpiresAt ?? 'nothing retained'], ['hash', String(r.hash ?? '').slice(0, 16) + '…'],
    ].map((x) => x.map(text)),
    empty: '',
  };
}

/** Unexpired recordings (`/v1/recordings`, metadata only). @param {Array<Record<string, any>>} list @returns {Table} */
export function recordingsTable(list) {
  return {
    title: 'Recordings',
    columns: ['id', 'call', 'application', 'region', 'seconds', 'pauses', 'created', 'expires'],
    rows: list.map((r) => [r.id, callIdText(r.callId), r.applicationId, r.region, (Number(r.durationMs) / 1000).toFixed(1), Array.isArray(r.pauses) ? r.pauses.length : '', r.createdAt, r.expiresAt].map(text)),
    empty: 'No recordings.',
  };
}
