/**
 * The OpenAPI 3.1 document, generated from the route table: every `ApiRoute` becomes one operation,
 * its zod schemas become JSON Schema (`z.toJSONSchema`, the draft OpenAPI 3.1 uses), named schemas
 * become `components.schemas` entries referenced with `$ref`. Nothing is written by hand, so the
 * document cannot list a route that is not served or miss one that is (the tests check both ways).
 */
import { z } from 'zod';
import type { ApiRoute } from './api-route.js';

type Json = Record<string, unknown>;

/** Schemas that get a name in `components.schemas` (others are inlined). */
const names = new Map<z.ZodType, string>();

export function named<T extends z.ZodType>(name: string, schema: T): T {
  names.set(schema, name);
  return schema;
}

export const errorSchema = named(
  'Error',
  z.object({
    error: z.string().describe('machine-readable code: invalid, unauthorized, forbidden, not_found, conflict, managed_by_config, rate_limited, not_available'),
    message: z.string(),
    field: z.string().optional().describe('for `invalid`: the offending field, dot-separated'),
    in: z.enum(['path', 'query', 'body']).optional(),
  }),
);

const STANDARD: Record<number, string> = {
  400: 'Invalid request: `field` names the offending field',
  401: 'No API key, an unknown key or a revoked key',
  403: 'The key lacks the scope (or the account) for this operation',
  404: 'No such resource',
  429: 'Rate limit of this key exceeded (see Retry-After)',
  503: 'The subsystem behind this route is not running on this gateway',
};

function rewriteRefs(node: unknown, from: string, to: string): unknown {
  if (Array.isArray(node)) return node.map((n) => rewriteRefs(n, from, to));
  if (!node || typeof node !== 'object') return node;
  const out: Json = {};
  for (const [k, v] of Object.entries(node as Json)) out[k] = k === '$ref' && typeof v === 'string' && v.startsWith(from) ? to + v.slice(from.length) : rewriteRefs(v, from, to);
  return out;
}

export function openApiPath(fastifyUrl: string): string {
  return fastifyUrl.replace(/:([A-Za-z0-9_]+)/g, '{$1}');
}

export function buildOpenApi(routes: readonly ApiRoute[], info: { title: string; version: string }): Json {
  const components: Json = {};

  const schemaOf = (schema: z.ZodType, io: 'input' | 'output'): Json => {
    const base = names.get(schema);
    const convert = (): Json => {
      const js = z.toJSONSchema(schema, { io, unrepresentable: 'any', target: 'draft-2020-12' }) as Json;
      delete js.$schema;
      const defs = js.$defs as Record<string, Json> | undefined;
      delete js.$defs;
      if (!defs) return js;
      const prefix = `${base ?? 'Inline'}_`;
      for (const [k, v] of Object.entries(defs)) components[prefix + k] = rewriteRefs(v, '#/$defs/', `#/components/schemas/${prefix}`);
      return rewriteRefs(js, '#/$defs/', `#/components/schemas/${prefix}`) as Json;
    };
    if (!base) return convert();
    const name = io === 'input' ? `${base}Input` : base;
    if (!(name in components)) {
      components[name] = {}; // reserve (recursion)
      components[name] = convert();
    }
    return { $ref: `#/components/schemas/${name}` };
  };

  const paths: Record<string, Json> = {};
  for (const r of routes) {
    const op: Json = { operationId: r.operationId, summary: r.summary, tags: [r.tag] };
    op.security = r.scopes === 'public' ? [] : [{ apiKey: [] }];
    if (r.scopes !== 'public') op['x-scopes'] = [...r.scopes];
    const parameters: Json[] = [];
    for (const [where, schema] of [['path', r.params], ['query', r.query]] as const) {
      if (!schema) continue;
      const js = schemaOf(schema, 'input');
      const props = (js.properties ?? {}) as Record<string, Json>;
      const required = new Set((js.required as string[] | undefined) ?? []);
      for (const [name, s] of Object.entries(props)) {
        parameters.push({ name, in: where, required: where === 'path' || required.has(name), schema: s, ...(typeof s.description === 'string' ? { description: s.description } : {}) });
      }
    }
    if (parameters.length) op.parameters = parameters;
    if (r.body) op.requestBody = { required: true, content: { 'application/json': { schema: schemaOf(r.body, 'input') } } };
    const responses: Json = {};
    for (const [code, doc] of Object.entries(r.responses)) {
      const content = doc.schema
        ? { [doc.contentType ?? 'application/json']: { schema: schemaOf(doc.schema, 'output') } }
        : doc.contentType
          ? { [doc.contentType]: { schema: { type: 'string' } } }
          : undefined;
      responses[code] = content ? { description: doc.description, content } : { description: doc.description };
    }
    const errorRef = schemaOf(errorSchema, 'output');
    const add = (code: number) => {
      if (!(code in responses)) responses[code] = { description: STANDARD[code], content: { 'application/json': { schema: errorRef } } };
    };
    if (r.params || r.query || r.body) add(400);
    if (r.scopes !== 'public') [401, 403, 429].forEach(add);
    if (r.params) add(404);
    op.responses = responses;
    const p = openApiPath(r.url);
    paths[p] ??= {};
    paths[p]![r.method.toLowerCase()] = op;
  }

  return {
    openapi: '3.1.0',
    info: { ...info, description: 'Hushgate admin API. Authenticate with `Authorization: Bearer hg_<id>_<secret>`; each operation lists the scopes that allow it in `x-scopes`.' },
    paths,
    components: {
      schemas: components,
      securitySchemes: { apiKey: { type: 'http', scheme: 'bearer', description: 'An API key created with `hushgate keys create`' } },
    },
  };
}
