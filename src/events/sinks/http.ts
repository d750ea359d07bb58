/**
 * How the sinks use the one outbound HTTP client (`src/http`): a target per sink — https unless the
 * sink says `allowInsecure`, its own CA, up to four kept-alive connections, a 15 s timeout and a
 * 4 MiB answer cap — with the URL checked when the sink is built, so a misconfigured sink fails
 * at start rather than at its first delivery.
 */
import { HttpTarget } from '../../http/index.js';

export interface SinkTargetOptions {
  allowInsecure?: boolean | undefined;
  ca?: string | Buffer | undefined;
  timeoutMs?: number | undefined;
}

export function sinkTarget(label: string, url: string | URL, opts: SinkTargetOptions): { http: HttpTarget; url: URL } {
  const http = new HttpTarget({ allowInsecure: opts.allowInsecure === true, ca: opts.ca, timeoutMs: opts.timeoutMs ?? 15_000, connections: 4, maxResponseBytes: 4 << 20 });
  const checked = http.check(url);
  if (!checked.ok) {
    void http.close();
    throw new Error(`${label}: ${checked.error.message}`);
  }
  return { http, url: checked.value };
}
