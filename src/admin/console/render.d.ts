/** Types of the console's pure module (render.js), for the Node tests. */
export interface Table {
  title: string;
  columns: string[];
  rows: string[][];
  empty: string;
}
export function callsTable(calls: Array<Record<string, unknown>>): Table;
export function fleetTable(fleet: { nodes: Array<Record<string, unknown>>; totals: Record<string, unknown> }): Table;
export function fleetCallsTable(calls: Array<Record<string, unknown>>): Table;
export function singleNodeText(node: { nodeId?: unknown; state?: unknown }): string;
export function applicationsTable(apps: Array<Record<string, unknown>>): Table;
export function retentionTable(regions: Array<{ region: string; applications: Array<Record<string, unknown>> }>): Table;
export function outboxTable(rows: Array<Record<string, unknown>>): Table;
export function auditTable(entries: Array<Record<string, unknown>>): Table;
export function metricsTable(prom: string): Table;
export function errorText(what: string, status: number, body: { error?: string; message?: string }): string;
export interface Sample {
  t: number;
  callsActive: number;
  callsTotal: number;
  outboxDepth: number;
  delivered: number;
  redactions: Record<string, number>;
  histograms: Record<string, Array<[number, number]>>;
}
export function sampleOf(prom: string, t: number): Sample;
export function quantileOf(cum: Array<[number, number]> | undefined, q: number): number;
export function bucketCounts(cum: Array<[number, number]> | undefined, label: (le: number) => string): Array<{ label: string; value: number }>;
export function ratePerMinute(h: Sample[], f: (s: Sample) => number): Array<[number, number]>;
export type ChartSpec =
  | { kind: 'line'; title: string; unit?: string; empty?: string; series: Array<{ name: string; points: Array<[number, number]> }> }
  | { kind: 'bar'; title: string; unit?: string; empty?: string; bars: Array<{ label: string; value: number; series?: number }> };
export function overviewCharts(history: Sample[], recent: Array<Record<string, any>>): ChartSpec[];
export function recentCallsTable(calls: Array<Record<string, unknown>>): Table;
export function storyTables(s: Record<string, any>): { summary: Table; media: Table; timeline: Table };
export function keysTable(keys: Array<Record<string, unknown>>): Table;
export function receiptTable(r: Record<string, any>): Table;
export function applicationWithSwitches(app: Record<string, any>, sw: { trainingEnabled: boolean; retentionDays: number | null; forwardingEnabled: boolean }): Record<string, any>;
export function chainVerdictTable(v: Record<string, any>): Table;
export function callIdText(id: unknown): string;
export function receiptsTable(region: string, receipts: Array<Record<string, any>>): Table;
export function callReceiptTable(r: Record<string, any>): Table;
export function recordingsTable(list: Array<Record<string, any>>): Table;
