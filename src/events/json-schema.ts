/**
 * JSON Schema files for the event schemas, generated from the zod schemas (`z.toJSONSchema`),
 * one file per event type: `docs/events/<type>.v<version>.schema.json`. A test checks the
 * committed files are up to date; regenerate with
 * `node --import tsx src/events/json-schema.ts --write docs/events`.
 */
import { writeFileSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { z } from 'zod';
import { EVENT_SCHEMA_VERSIONS, EVENT_TYPES, eventSchemasByType, type EventType } from './schemas.js';

export function eventJsonSchemaFileName(type: EventType): string {
  return `${type}.v${EVENT_SCHEMA_VERSIONS[type]}.schema.json`;
}

/** File name → file text, for every event type. */
export function eventJsonSchemaFiles(): Map<string, string> {
  const out = new Map<string, string>();
  for (const type of EVENT_TYPES) {
    const schema = z.toJSONSchema(eventSchemasByType[type], { io: 'output', target: 'draft-2020-12' }) as Record<string, unknown>;
    const doc = {
      $schema: schema['$schema'],
      $id: `urn:hushgate:events:${type}:v${EVENT_SCHEMA_VERSIONS[type]}`,
      title: `Hushgate ${type} event, schema version ${EVENT_SCHEMA_VERSIONS[type]}`,
      ...schema,
    };
    out.set(eventJsonSchemaFileName(type), JSON.stringify(doc, null, 2) + '\n');
  }
  return out;
}

if (process.argv[1] && import.meta.url === new URL(`file://${process.argv[1]}`).href && process.argv[2] === '--write') {
  const dir = process.argv[3] ?? 'docs/events';
  mkdirSync(dir, { recursive: true });
  for (const [name, text] of eventJsonSchemaFiles()) writeFileSync(join(dir, name), text);
}
