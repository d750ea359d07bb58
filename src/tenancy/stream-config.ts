/**
 * An application's media stream to a bot (`mode: stream`, or started mid-call by the dialog):
 * where (`wss://` only unless `allowInsecure`), in which format (Twilio Media Streams JSON with
 * μ-law 8 kHz, or binary L16 at 8 or 16 kHz), which custom parameters the bot gets in `start`, and
 * how a dropped socket is reconnected.
 */
import { z } from 'zod';
import { checkUrl } from '../http/index.js';

export const STREAM_FORMATS = ['twilio', 'l16-8k', 'l16-16k'] as const;
export type StreamFormat = (typeof STREAM_FORMATS)[number];

export const streamConfigSchema = z
  .object({
    url: z.string().min(1),
    /** `twilio`: Twilio Media Streams JSON, μ-law 8 kHz base64; `l16-8k`/`l16-16k`: binary 16-bit little-endian PCM frames, JSON control messages. */
    format: z.enum(STREAM_FORMATS).default('twilio'),
    /** Plain `ws://` (tests, a bot on the same host). The caller's audio then crosses the network in clear. */
    allowInsecure: z.boolean().default(false),
    /** Given to the bot in `start.customParameters` (through the privacy gate: strings are redacted like a dialog context). */
    parameters: z.record(z.string(), z.string()).default({}),
    reconnect: z
      .object({
        /** Attempts after a drop before the stream is given up (the call goes on without it). */
        maxAttempts: z.number().int().min(0).max(100).default(8),
        initialDelayMs: z.number().int().min(10).max(60_000).default(250),
        maxDelayMs: z.number().int().min(10).max(300_000).default(8000),
      })
      .prefault({}),
  })
  .superRefine((s, ctx) => {
    const u = checkUrl(s.url, { allowInsecure: s.allowInsecure });
    if (!u.ok) ctx.addIssue({ code: 'custom', path: ['url'], message: u.error.message });
    else if (u.value.protocol !== 'wss:' && u.value.protocol !== 'ws:') ctx.addIssue({ code: 'custom', path: ['url'], message: 'a stream URL is wss:// (or ws:// with allowInsecure)' });
  });

export type StreamConfig = z.infer<typeof streamConfigSchema>;

/**
 * A stream application needs its stream, and the caller's audio goes to a bot only when the
 * application's privacy policy says so (`privacy.stream.audio: allow`): fail closed, named at start.
 */
export function streamIssues(app: { mode: string; stream?: unknown; privacy?: { stream?: { audio?: unknown } } }): { path: string[]; message: string }[] {
  const out: { path: string[]; message: string }[] = [];
  if (app.mode === 'stream' && !app.stream) out.push({ path: ['stream'], message: 'mode stream needs stream (url, format)' });
  if (app.stream && app.privacy?.stream?.audio !== 'allow') out.push({ path: ['privacy', 'stream', 'audio'], message: "a stream sends the caller's audio to a bot: set privacy.stream.audio: allow to consent" });
  return out;
}
