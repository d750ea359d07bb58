/** Shared benchmark reporting: machine description, percentiles, and the JSON envelope every bench prints. */
import { cpus, loadavg, totalmem } from 'node:os';

export function machine() {
  const c = cpus();
  // Load average at report time: on a shared machine it says how much the figures can be trusted.
  return { cpus: c.length, model: c[0]?.model ?? 'unknown', memGiB: Math.round(totalmem() / 2 ** 30), loadAvg: loadavg().map((l) => Math.round(l * 100) / 100), node: process.version, platform: process.platform };
}

export function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return NaN;
  const i = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[i]!;
}

export function median(xs: number[]): number {
  return percentile([...xs].sort((a, b) => a - b), 50);
}

export function report(bench: string, figures: Record<string, unknown>, notes?: string): void {
  process.stdout.write(JSON.stringify({ bench, date: new Date().toISOString(), machine: machine(), figures, ...(notes ? { notes } : {}) }, null, 2) + '\n');
}

export function arg(name: string, fallback: number): number {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? Number(process.argv[i + 1]) : fallback;
}
