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
export function applicationsTable(apps: Array<Record<string, unknown>>): Table;
export function retentionTable(regions: Array<{ region: string; applications: Array<Record<string, unknown>> }>): Table;
export function outboxTable(rows: Array<Record<string, unknown>>): Table;
export function auditTable(entries: Array<Record<string, unknown>>): Table;
export function metricsTable(prom: string): Table;
export function errorText(what: string, status: number, body: { error?: string; message?: string }): string;
