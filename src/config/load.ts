/**
 * Loads the configuration: YAML file, then `HUSHGATE_*` environment overrides, then validation.
 * Environment names map to paths with `__` between levels: `HUSHGATE_SIP__PORT=5070` sets `sip.port`,
 * `HUSHGATE_LOG__LEVEL=debug` sets `log.level`. Values are parsed as JSON when they parse, else kept as strings.
 */
import { readFileSync } from 'node:fs';
import { parse as parseYaml } from 'yaml';
import { configSchema, type Config } from './schema.js';
import { ConfigError } from './errors.js';

export function loadConfig(file: string | undefined, env: NodeJS.ProcessEnv = process.env): Config {
  let raw: unknown = {};
  if (file) {
    let text: string;
    try {
      text = readFileSync(file, 'utf8');
    } catch (e) {
      throw new ConfigError([{ path: '', message: `cannot read ${file}: ${(e as Error).message}` }], file);
    }
    try {
      raw = parseYaml(text) ?? {};
    } catch (e) {
      throw new ConfigError([{ path: '', message: `not valid YAML: ${(e as Error).message}` }], file);
    }
  }
  return parseConfig(applyEnv(raw, env), file ?? 'defaults');
}

export function parseConfig(raw: unknown, source = 'inline'): Config {
  const result = configSchema.safeParse(raw);
  if (!result.success) {
    throw new ConfigError(
      result.error.issues.map((i) => ({ path: i.path.map(String).join('.'), message: i.message })),
      source,
    );
  }
  return result.data;
}

function applyEnv(raw: unknown, env: NodeJS.ProcessEnv): unknown {
  const root: Record<string, unknown> = raw && typeof raw === 'object' && !Array.isArray(raw) ? structuredClone(raw as Record<string, unknown>) : {};
  for (const [name, value] of Object.entries(env)) {
    if (!name.startsWith('HUSHGATE_') || value === undefined || name === 'HUSHGATE_CONFIG') continue;
    const path = name.slice('HUSHGATE_'.length).split('__').map(camel);
    let node: Record<string, unknown> = root;
    for (const key of path.slice(0, -1)) {
      if (!node[key] || typeof node[key] !== 'object') node[key] = {};
      node = node[key] as Record<string, unknown>;
    }
    node[path[path.length - 1]!] = parseValue(value);
  }
  return root;
}

function camel(s: string): string {
  return s.toLowerCase().replace(/_([a-z0-9])/g, (_, c: string) => c.toUpperCase());
}

function parseValue(v: string): unknown {
  try {
    return JSON.parse(v);
  } catch {
    return v;
  }
}
