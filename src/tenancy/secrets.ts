/**
 * Credentials inside application settings (dialog passwords, speech API keys, sink tokens) are never
 * returned by the API: `maskSecrets` replaces them with `********`. A client that reads an application,
 * edits it and writes it back sends the mask; `restoreSecrets` puts the stored value back wherever the
 * mask stands, so a round trip never wipes a credential it could not see. In the store they are sealed
 * (`sealed-secrets.ts`).
 */
export const SECRET_MASK = '********';

const SECRET_KEY = /^(password|token|apikey|api_key|secret|clientsecret|privatekey)$/i;

/** Is a value under this key a credential (masked by the API, sealed in the store)? */
export function isSecretKey(key: string): boolean {
  return SECRET_KEY.test(key);
}

export function maskSecrets<T>(value: T): T {
  if (Array.isArray(value)) return value.map(maskSecrets) as T;
  if (!value || typeof value !== 'object') return value;
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value as Record<string, unknown>)) out[k] = SECRET_KEY.test(k) && typeof v === 'string' ? SECRET_MASK : maskSecrets(v);
  return out as T;
}

export function restoreSecrets(next: unknown, previous: unknown): unknown {
  if (next === SECRET_MASK) return typeof previous === 'string' ? previous : next;
  if (Array.isArray(next)) return next.map((v, i) => restoreSecrets(v, Array.isArray(previous) ? previous[i] : undefined));
  if (!next || typeof next !== 'object') return next;
  const prev = previous && typeof previous === 'object' && !Array.isArray(previous) ? (previous as Record<string, unknown>) : {};
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(next as Record<string, unknown>)) out[k] = restoreSecrets(v, prev[k]);
  return out;
}
