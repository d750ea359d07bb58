/** A configuration problem found at start; `path` names the offending field (e.g. `accounts.0.applications.1.region`). */
export class ConfigError extends Error {
  constructor(
    readonly issues: { path: string; message: string }[],
    readonly source: string,
  ) {
    super(
      `invalid configuration (${source}):\n` + issues.map((i) => `  ${i.path || '(root)'}: ${i.message}`).join('\n'),
    );
    this.name = 'ConfigError';
  }
}
