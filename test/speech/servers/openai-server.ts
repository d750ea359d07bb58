/**
 * A local server speaking the OpenAI audio API as self-hosted Whisper/TTS servers do:
 *   POST /v1/audio/transcriptions  multipart/form-data: file (WAV), model, language, prompt,
 *                                  response_format; returns verbose_json {text, segments, ...}
 *   POST /v1/audio/speech          JSON {model, input, voice, response_format: wav|pcm};
 *                                  returns 24 kHz audio (a 500 Hz tone, one 50 ms per character)
 * Requires `Authorization: Bearer KEY`; records each request for the tests.
 */
import { createServer as createHttpServer, type IncomingMessage, type ServerResponse, type Server } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import type { SelfSigned } from './tls.js';

export interface ParsedPart {
  name: string;
  filename?: string;
  contentType?: string;
  data: Buffer;
}

/** Strict multipart/form-data parser (enough for the test server). */
export function parseMultipart(body: Buffer, contentType: string): ParsedPart[] | undefined {
  const m = /boundary=([^;]+)/.exec(contentType);
  if (!/^multipart\/form-data/.test(contentType) || !m) return undefined;
  const delim = Buffer.from(`--${m[1]}`);
  const parts: ParsedPart[] = [];
  let pos = body.indexOf(delim);
  if (pos !== 0) return undefined;
  for (;;) {
    pos += delim.length;
    if (body.subarray(pos, pos + 2).toString() === '--') return parts;
    if (body.subarray(pos, pos + 2).toString() !== '\r\n') return undefined;
    pos += 2;
    const headerEnd = body.indexOf('\r\n\r\n', pos);
    if (headerEnd < 0) return undefined;
    const headers = body.subarray(pos, headerEnd).toString('utf8');
    const next = body.indexOf(Buffer.concat([Buffer.from('\r\n'), delim]), headerEnd + 4);
    if (next < 0) return undefined;
    const disp = /content-disposition:\s*form-data;\s*name="([^"]+)"(?:;\s*filename="([^"]*)")?/i.exec(headers);
    if (!disp) return undefined;
    const ct = /content-type:\s*(\S+)/i.exec(headers)?.[1];
    parts.push({ name: disp[1]!, ...(disp[2] !== undefined ? { filename: disp[2] } : {}), ...(ct ? { contentType: ct } : {}), data: body.subarray(headerEnd + 4, next) });
    pos = next + 2;
  }
}

export interface RecordedTranscription {
  headers: IncomingMessage['headers'];
  fields: Record<string, string>;
  file?: ParsedPart;
}

export class OpenAiServer {
  readonly transcriptions: RecordedTranscription[] = [];
  readonly speeches: { headers: IncomingMessage['headers']; body: Record<string, unknown> }[] = [];
  private readonly server: Server;

  /**
   * `transcript`: what every transcription returns, or a function choosing it per request from the
   * form fields (`prompt`, `language`, ...), so a test can script each utterance of each call.
   */
  /** performance.now() of the last body write of each speech response (with `dribble`). */
  readonly speechLastWriteAt: number[] = [];

  /**
   * `dribble`: speech bodies are written in `pieces` parts `gapMs` apart (odd sizes: samples split
   * across writes), as a server that synthesises while it sends.
   */
  constructor(private readonly opts: { tls?: SelfSigned; apiKey: string; transcript: string | ((fields: Record<string, string>) => string); dribble?: { pieces: number; gapMs: number } }) {
    const handler = (req: IncomingMessage, res: ServerResponse): void => void this.onRequest(req, res);
    this.server = opts.tls ? createHttpsServer({ key: opts.tls.key, cert: opts.tls.cert }, handler) : createHttpServer(handler);
  }

  async listen(): Promise<string> {
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve));
    const { port } = this.server.address() as AddressInfo;
    return `${this.opts.tls ? 'https' : 'http'}://127.0.0.1:${port}`;
  }

  async close(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private async send(res: ServerResponse, body: Buffer): Promise<void> {
    if (!this.opts.dribble) return void res.end(body);
    const step = Math.ceil(body.length / this.opts.dribble.pieces) | 1;
    for (let off = 0; off < body.length; off += step) {
      res.write(body.subarray(off, off + step));
      if (off + step < body.length) await new Promise((r) => setTimeout(r, this.opts.dribble!.gapMs));
    }
    this.speechLastWriteAt.push(performance.now());
    res.end();
  }

  private async onRequest(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const c of req as AsyncIterable<Buffer>) chunks.push(c);
    const body = Buffer.concat(chunks);
    const json = (status: number, obj: unknown): void => {
      res.writeHead(status, { 'content-type': 'application/json' });
      res.end(JSON.stringify(obj));
    };
    if (req.headers.authorization !== `Bearer ${this.opts.apiKey}`) return json(401, { error: { message: 'Incorrect API key provided', type: 'invalid_request_error', code: 'invalid_api_key' } });
    if (req.method === 'POST' && req.url === '/v1/audio/transcriptions') {
      const parts = parseMultipart(body, req.headers['content-type'] ?? '');
      if (!parts) return json(400, { error: { message: 'bad multipart', type: 'invalid_request_error' } });
      const fields: Record<string, string> = {};
      let file: ParsedPart | undefined;
      for (const p of parts) {
        if (p.filename !== undefined) file = p;
        else fields[p.name] = p.data.toString('utf8');
      }
      this.transcriptions.push({ headers: req.headers, fields, ...(file ? { file } : {}) });
      if (!file || file.name !== 'file' || !fields['model']) return json(400, { error: { message: 'file and model are required', type: 'invalid_request_error' } });
      if (file.data.toString('ascii', 0, 4) !== 'RIFF') return json(400, { error: { message: 'unsupported file', type: 'invalid_request_error' } });
      const duration = (file.data.length - 44) / 16000;
      const transcript = typeof this.opts.transcript === 'string' ? this.opts.transcript : this.opts.transcript(fields);
      if (fields['response_format'] !== 'verbose_json') return json(200, { text: transcript });
      return json(200, {
        task: 'transcribe',
        language: fields['language'] ?? 'english',
        duration,
        text: ` ${transcript}`,
        segments: [{ id: 0, seek: 0, start: 0, end: duration, text: ` ${transcript}`, tokens: [], temperature: 0, avg_logprob: -0.2, compression_ratio: 1, no_speech_prob: 0.01 }],
      });
    }
    if (req.method === 'POST' && req.url === '/v1/audio/speech') {
      let parsed: Record<string, unknown>;
      try {
        parsed = JSON.parse(body.toString('utf8')) as Record<string, unknown>;
      } catch {
        return json(400, { error: { message: 'bad json', type: 'invalid_request_error' } });
      }
      this.speeches.push({ headers: req.headers, body: parsed });
      const input = parsed['input'];
      if (typeof input !== 'string' || typeof parsed['model'] !== 'string' || typeof parsed['voice'] !== 'string') {
        return json(400, { error: { message: 'model, input and voice are required', type: 'invalid_request_error' } });
      }
      const n = input.length * 1200; // 50 ms per character at 24 kHz
      const pcm = Buffer.alloc(n * 2);
      for (let i = 0; i < n; i++) pcm.writeInt16LE(Math.round(10000 * Math.sin((2 * Math.PI * 500 * i) / 24000)), i * 2);
      if (parsed['response_format'] === 'pcm') {
        res.writeHead(200, { 'content-type': 'audio/pcm' });
        return void (await this.send(res, pcm));
      }
      if (parsed['response_format'] !== 'wav') return json(400, { error: { message: 'unsupported response_format', type: 'invalid_request_error' } });
      const header = Buffer.alloc(44);
      header.write('RIFF', 0, 'ascii');
      header.writeUInt32LE(0xffffffff, 4); // streaming servers write unknown sizes
      header.write('WAVEfmt ', 8, 'ascii');
      header.writeUInt32LE(16, 16);
      header.writeUInt16LE(1, 20);
      header.writeUInt16LE(1, 22);
      header.writeUInt32LE(24000, 24);
      header.writeUInt32LE(48000, 28);
      header.writeUInt16LE(2, 32);
      header.writeUInt16LE(16, 34);
      header.write('data', 36, 'ascii');
      header.writeUInt32LE(0xffffffff, 40);
      res.writeHead(200, { 'content-type': 'audio/wav' });
      return void (await this.send(res, Buffer.concat([header, pcm])));
    }
    json(404, { error: { message: 'not found', type: 'invalid_request_error' } });
  }
}
