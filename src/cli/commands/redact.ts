/**
 * `hushgate redact [--mode mask|partial|token|drop] [--json]`: redacts transcripts on stdin.
 *
 * Plain mode: each input line is written redacted, one line out per line in.
 * JSON mode: each input line is a JSON object with a `text` field (optionally `id`, and for
 * cross-turn context `prompt` — the agent's preceding question — or `expect` — a PII type);
 * each output line is `{ "id"?, "text": <redacted>, "entities": [{ "type", "start", "end" }] }`
 * with offsets into the input text. Other input fields are not echoed (they may hold labels or
 * PII). A line that is not a JSON object with a string `text` gives `{ "id"?, "error": "..." }`
 * and the command exits with status 1 after the whole input is processed. Blank lines are skipped
 * in JSON mode and passed through in plain mode.
 * In token mode one vault spans the whole input (one input = one call), so repeated values get
 * the same token. This interface is relied on by evaluations outside the test suite: keep it stable.
 */
import { createInterface } from 'node:readline';
import type { Readable, Writable } from 'node:stream';
import type { Command } from 'commander';
import { redact } from '../../privacy/index.js';
import { TokenVault } from '../../privacy/index.js';
import { expectationFromPrompt } from '../../privacy/index.js';
import { isPiiType, REDACTION_MODES, type DetectionContext, type RedactionMode } from '../../privacy/index.js';

export interface RedactCommandOptions {
  mode?: string;
  json?: boolean;
}

export interface RedactRunResult {
  lines: number;
  errors: number;
}

function parseMode(mode: string | undefined): { ok: true; mode: RedactionMode } | { ok: false; error: string } {
  const m = mode ?? 'mask';
  return (REDACTION_MODES as readonly string[]).includes(m) ? { ok: true, mode: m as RedactionMode } : { ok: false, error: `unknown mode "${m}" (mask, partial, token, drop)` };
}

function write(output: Writable, chunk: string): Promise<void> {
  return new Promise((resolve, reject) => {
    if (output.write(chunk)) resolve();
    else output.once('drain', resolve).once('error', reject);
  });
}

function jsonLine(line: string, mode: RedactionMode, vault: TokenVault): { out: string; error: boolean } {
  let v: unknown;
  try {
    v = JSON.parse(line);
  } catch {
    return { out: JSON.stringify({ error: 'not JSON' }), error: true };
  }
  if (v === null || typeof v !== 'object' || Array.isArray(v)) return { out: JSON.stringify({ error: 'not a JSON object' }), error: true };
  const o = v as Record<string, unknown>;
  const id = typeof o.id === 'string' || typeof o.id === 'number' ? o.id : undefined;
  if (typeof o.text !== 'string') return { out: JSON.stringify({ id, error: 'missing string field "text"' }), error: true };
  const ctx: DetectionContext = {};
  if (typeof o.expect === 'string' && isPiiType(o.expect)) ctx.expect = o.expect;
  else if (typeof o.prompt === 'string') ctx.expect = expectationFromPrompt(o.prompt);
  const r = redact(o.text, { mode, ctx, vault });
  return {
    out: JSON.stringify({ id, text: r.text, entities: r.entities.map((e) => ({ type: e.type, start: e.start, end: e.end })) }),
    error: false,
  };
}

/** Reads `input` to the end and writes redacted lines to `output`. */
export async function runRedact(input: Readable, output: Writable, opts: RedactCommandOptions = {}): Promise<RedactRunResult> {
  const parsed = parseMode(opts.mode);
  if (!parsed.ok) throw new Error(parsed.error);
  const mode = parsed.mode;
  const vault = new TokenVault();
  const rl = createInterface({ input, crlfDelay: Infinity });
  let lines = 0;
  let errors = 0;
  for await (const line of rl) {
    lines++;
    if (opts.json) {
      if (line.trim() === '') continue;
      const r = jsonLine(line, mode, vault);
      if (r.error) errors++;
      await write(output, r.out + '\n');
    } else {
      await write(output, redact(line, { mode, vault }).text + '\n');
    }
  }
  vault.clear();
  return { lines, errors };
}

export function registerRedactCommand(program: Command): Command {
  return program
    .command('redact')
    .description('redact PII from transcript lines on stdin (plain text, or JSON lines with a "text" field)')
    .option('--mode <mode>', 'mask | partial | token | drop', 'mask')
    .option('--json', 'read and write JSON lines: {"text"} in, {"text","entities":[{type,start,end}]} out', false)
    .action(async (opts: RedactCommandOptions) => {
      const mode = parseMode(opts.mode);
      if (!mode.ok) {
        process.stderr.write(`hushgate redact: ${mode.error}\n`);
        process.exitCode = 2;
        return;
      }
      const r = await runRedact(process.stdin, process.stdout, opts);
      if (r.errors > 0) {
        process.stderr.write(`hushgate redact: ${r.errors} malformed line(s)\n`);
        process.exitCode = 1;
      }
    });
}
