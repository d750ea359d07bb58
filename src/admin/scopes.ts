/** The API key scopes. A route names the scopes any one of which lets a key call it. */
export const SCOPES = ['config:read', 'config:write', 'calls:read', 'calls:write', 'events:read', 'training:export', 'erasure:write', 'audit:read', 'recordings:read', 'recordings:write', 'receipts:read'] as const;
export type Scope = (typeof SCOPES)[number];

export function isScope(s: string): s is Scope {
  return (SCOPES as readonly string[]).includes(s);
}
