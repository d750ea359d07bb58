/**
 * Structured JSON logs (pino). Every string a log line carries — message and fields — passes
 * through a scrubber before it is written, so PII that slips into a log call is masked at the
 * door (invariant I1). The scrubber is installed by the privacy module at start; until then the
 * conservative built-in one masks long digit runs and e-mail addresses.
 */
import { pino, type Logger, type DestinationStream } from 'pino';

export type Scrubber = (text: string) => string;
export type { Logger };

/** Built-in fallback: masks any run of 4+ digits (allowing spaces/dashes between) and e-mail addresses. */
export const fallbackScrubber: Scrubber = (text) =>
  text
    .replace(/[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}/g, '[EMAIL]')
    .replace(/\+?\d(?:[\s().-]?\d){3,}/g, '[NUMBER]');

let activeScrubber: Scrubber = fallbackScrubber;

/** Replace the process-wide scrubber (the privacy module's detector). */
export function setLogScrubber(scrubber: Scrubber): void {
  activeScrubber = scrubber;
}

/** Keys whose values are identifiers we generate (not caller data) and stay readable. */
const SAFE_KEYS = new Set(['level', 'time', 'pid', 'hostname', 'node', 'callId', 'sessionId', 'accountId', 'applicationId', 'region', 'module', 'err.type']);

function scrubValue(value: unknown, key: string | undefined, depth: number): unknown {
  if (typeof value === 'string') return key && SAFE_KEYS.has(key) ? value : activeScrubber(value);
  if (depth > 6 || value === null || typeof value !== 'object') return value;
  if (value instanceof Error) {
    return { type: value.name, message: activeScrubber(value.message), stack: value.stack ? activeScrubber(value.stack) : undefined };
  }
  if (Array.isArray(value)) return value.map((v) => scrubValue(v, undefined, depth + 1));
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value)) out[k] = scrubValue(v, k, depth + 1);
  return out;
}

/** `node`: the process's `node.id`, on every line (a fleet's logs are told apart by it). */
export function createLogger(opts: { level?: string; name?: string; node?: string } = {}, destination?: DestinationStream): Logger {
  return pino(
    {
      level: opts.level ?? 'info',
      name: opts.name ?? 'hushgate',
      base: { pid: process.pid, ...(opts.node ? { node: opts.node } : {}) },
      timestamp: pino.stdTimeFunctions.isoTime,
      hooks: {
        logMethod(args, method) {
          const scrubbed = args.map((a) => scrubValue(a, undefined, 0)) as Parameters<typeof method>;
          return method.apply(this, scrubbed);
        },
      },
    },
    destination ?? pino.destination({ dest: 1, sync: false }),
  );
}
