/**
 * A local server speaking ElevenLabs' multi-context TTS WebSocket
 * (`/v1/text-to-speech/{voice_id}/multi-stream-input?model_id&output_format`), strictly enough to
 * catch adapter mistakes:
 *   - `output_format` must be `ulaw_8000` or `pcm_16000` and `model_id` present (else HTTP 400);
 *   - the `xi-api-key` handshake header must be the key, else an error message
 *     (`invalid_api_key`) and close 1008;
 *   - a context opens with `{text: " ", context_id}`; its text is buffered until `flush: true`, then
 *     synthesised as `samplesPerChar` samples per character (a 400 Hz tone) and dribbled out in
 *     `chunks` `{audio, contextId}` messages `chunkGapMs` apart; `close_context` ends it: once its
 *     audio is out, `{isFinal: true, contextId}` (audio already being generated keeps coming, as
 *     ElevenLabs documents); more than 5 open contexts: `max_active_conversations` and close 1008;
 *   - `{close_socket: true}` closes the socket (1000);
 *   - `dropAfterChunks`: the first socket is dropped (1011) after that many audio messages.
 * Every socket is a session: its messages, contexts (what each synthesised, when its audio left).
 */
import type { WebSocket } from 'ws';
import { mulawEncode } from '../../../src/speech/audio/mulaw.js';
import { WsProtocolServer, contextRecord, dribble, newTtsSession, tone, type TtsSession } from '../../helpers/ws-protocol-server.js';
import type { SelfSigned } from './tls.js';

export interface ElevenLabsServerOptions {
  tls: SelfSigned;
  apiKey: string;
  samplesPerChar?: number;
  chunks?: number;
  chunkGapMs?: number;
  dropAfterChunks?: number;
}

export class ElevenLabsServer extends WsProtocolServer {
  readonly sessions: TtsSession[] = [];

  constructor(private readonly opts: ElevenLabsServerOptions) {
    super(opts.tls, (req, url) => {
      const m = /^\/v1\/text-to-speech\/([^/]+)\/multi-stream-input$/.exec(url.pathname);
      const q = url.searchParams;
      if (!m) return { refuse: 404, reason: 'Not Found' };
      if (!['ulaw_8000', 'pcm_16000'].includes(q.get('output_format') ?? '') || !q.get('model_id')) return { refuse: 400, reason: 'Bad Request' };
      return { accept: (ws) => this.onSession(ws, newTtsSession(ws, req, url)) };
    });
  }

  private onSession(ws: WebSocket, session: TtsSession): void {
    const first = this.sessions.push(session) === 1;
    const fail = (error: string, message: string): void => {
      ws.send(JSON.stringify({ message, error, code: 1008 }));
      ws.close(1008, error);
    };
    if (session.headers['xi-api-key'] !== this.opts.apiKey) return void ws.once('message', () => fail('invalid_api_key', 'Invalid API key'));
    const ulaw = session.url.searchParams.get('output_format') === 'ulaw_8000';
    const rate = ulaw ? 8000 : 16000;
    const open = new Map<string, { buffered: string; work: Promise<void>; closing: boolean }>();
    let sent = 0;
    const speak = async (id: string, text: string): Promise<void> => {
      const c = contextRecord(session, id);
      const pcm = tone(text.length * (this.opts.samplesPerChar ?? 80) * (rate / 8000), rate);
      c.synthesised.push(pcm);
      const bytes = ulaw ? mulawEncode(pcm) : Buffer.from(pcm.buffer, pcm.byteOffset, pcm.byteLength);
      await dribble(bytes, this.opts.chunks ?? 4, this.opts.chunkGapMs ?? 60, (part) => {
        if (ws.readyState !== ws.OPEN) return false;
        if (first && this.opts.dropAfterChunks !== undefined && sent >= this.opts.dropAfterChunks) {
          ws.close(1011, 'internal_error');
          return false;
        }
        ws.send(JSON.stringify({ audio: part.toString('base64'), normalizedAlignment: null, alignment: null, contextId: id }));
        c.audioSentAt.push(performance.now());
        sent++;
        return true;
      });
    };
    ws.on('message', (data) => {
      let msg: Record<string, unknown>;
      try {
        msg = JSON.parse(data.toString()) as Record<string, unknown>;
      } catch {
        return void ws.close(1003, 'invalid_message');
      }
      session.messages.push(msg);
      if (msg['close_socket'] === true) return void ws.close(1000);
      const id = typeof msg['context_id'] === 'string' ? msg['context_id'] : 'default';
      const c = contextRecord(session, id);
      c.requests.push(msg);
      let ctx = open.get(id);
      if (!ctx) {
        if (msg['close_context'] === true) return void (c.audioSentAt.length && (c.stoppedAt ??= performance.now())); // already over
        if (open.size >= 5) return fail('max_active_conversations', 'Maximum simultaneous contexts per WebSocket connection exceeded (5).');
        open.set(id, (ctx = { buffered: '', work: Promise.resolve(), closing: false }));
      }
      if (msg['close_context'] === true) {
        // A close after the audio began is the client's barge-in (the usual close comes with the flush).
        if (c.audioSentAt.length) c.stoppedAt ??= performance.now();
        if (ctx.closing) return;
        ctx.closing = true;
        const done = ctx;
        done.work = done.work.then(() => {
          open.delete(id);
          if (ws.readyState === ws.OPEN) ws.send(JSON.stringify({ isFinal: true, contextId: id }));
        });
        return;
      }
      if (typeof msg['text'] !== 'string') return;
      ctx.buffered += msg['text'];
      if (msg['flush'] === true) {
        const text = ctx.buffered.trim();
        ctx.buffered = '';
        if (text) ctx.work = ctx.work.then(() => speak(id, text));
      }
    });
  }
}
