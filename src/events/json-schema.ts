/**
 * JSON Schema files for the event schemas, generated from the zod schemas (`z.toJSONSchema`),
 * one file per event type: `docs/events/<type>.v<version>.schema.json`. A test checks the
 * committed files are up to date; regenerate with
 * `node --import tsx src/events/json-schema.ts --write docs/events`.
 */
import { writeFileSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { z } from 'zod';
import { ERASURE_NOTICE_VERSION, EVENT_SCHEMA_VERSIONS, EVENT_TYPES, erasureNoticeSchema, eventSchemasByType, type EventType } from './schemas.js';

export function eventJsonSchemaFileName(type: EventType): string {
  return `${type}.v${EVENT_SCHEMA_VERSIONS[type]}.schema.json`;
}

/** File name → file text, for every event type. */
export function eventJsonSchemaFiles(): Map<string, string> {
  const out = new Map<string, string>();
  const add = (type: string, version: number, zodSchema: z.ZodType, what: string) => {
    const schema = z.toJSONSchema(zodSchema, { io: 'output', target: 'draft-2020-12' }) as Record<string, unknown>;
    const doc = { $schema: schema['$schema'], $id: `urn:hushgate:events:${type}:v${version}`, title: `Hushgate ${type} ${what}, schema version ${version}`, ...schema };
    out.set(`${type}.v${version}.schema.json`, JSON.stringify(doc, null, 2) + '\n');
  };
  for (const type of EVENT_TYPES) add(type, EVENT_SCHEMA_VERSIONS[type], eventSchemasByType[type], 'event');
  add('erasure', ERASURE_NOTICE_VERSION, erasureNoticeSchema, 'notice'); // what webhook sinks receive on erasure
  return out;
}

if (process.argv[1] && import.meta.url === new URL(`file://${process.argv[1]}`).href && process.argv[2] === '--write') {
  const dir = process.argv[3] ?? 'docs/events';
  mkdirSync(dir, { recursive: true });
  for (const [name, text] of eventJsonSchemaFiles()) writeFileSync(join(dir, name), text);
}
