/**
 * A local server speaking Cartesia's TTS WebSocket (`/tts/websocket`), strictly enough to catch
 * adapter mistakes:
 *   - the handshake needs `Authorization: Bearer KEY` (else HTTP 401) and a `Cartesia-Version`
 *     date (else HTTP 400);
 *   - a generation request needs `model_id`, `transcript`, `voice: {mode: "id", id}`,
 *     `output_format: {container: "raw", encoding: pcm_mulaw | pcm_s16le, sample_rate}` and a
 *     `context_id`; the voice `missing` gets `{type: "error", status_code: 404, done: true}`;
 *   - the audio (a 400 Hz tone, `samplesPerChar` 8 kHz samples per character) is dribbled out in
 *     `chunks` `{type: "chunk", data}` messages `chunkGapMs` apart, then `{type: "done"}`;
 *     `{context_id, cancel: true}` stops that context's audio at once. Contexts are multiplexed:
 *     the socket stays open until the client closes it;
 *   - `dropAfterChunks`: the first socket is dropped (1011) after that many audio messages.
 */
import type { WebSocket } from 'ws';
import { mulawEncode } from '../../../src/speech/audio/mulaw.js';
import { WsProtocolServer, contextRecord, dribble, newTtsSession, tone, type TtsSession } from '../../helpers/ws-protocol-server.js';
import type { SelfSigned } from './tls.js';

export class CartesiaServer extends WsProtocolServer {
  readonly sessions: TtsSession[] = [];

  constructor(private readonly opts: { tls: SelfSigned; apiKey: string; samplesPerChar?: number; chunks?: number; chunkGapMs?: number; dropAfterChunks?: number }) {
    super(opts.tls, (req, url) => {
      if (url.pathname !== '/tts/websocket') return { refuse: 404, reason: 'Not Found' };
      if (req.headers.authorization !== `Bearer ${opts.apiKey}`) return { refuse: 401, reason: 'Unauthorized' };
      if (!/^\d{4}-\d{2}-\d{2}$/.test(String(req.headers['cartesia-version'] ?? ''))) return { refuse: 400, reason: 'Bad Request' };
      return { accept: (ws) => this.onSession(ws, newTtsSession(ws, req, url)) };
    });
  }

  private onSession(ws: WebSocket, session: TtsSession): void {
    const first = this.sessions.push(session) === 1;
    let sent = 0;
    ws.on('message', async (data) => {
      const msg = JSON.parse(data.toString()) as Record<string, unknown>;
      session.messages.push(msg);
      const contextId = msg['context_id'];
      const c = contextRecord(session, String(contextId));
      c.requests.push(msg);
      if (msg['cancel'] === true) return void (c.stoppedAt ??= performance.now());
      const voice = msg['voice'] as { mode?: string; id?: string } | undefined;
      const format = msg['output_format'] as { container?: string; encoding?: string; sample_rate?: number } | undefined;
      const fail = (status: number, error: string) => ws.send(JSON.stringify({ type: 'error', context_id: contextId, status_code: status, done: true, error }));
      if (typeof msg['model_id'] !== 'string' || typeof msg['transcript'] !== 'string' || typeof contextId !== 'string') return fail(400, 'missing fields');
      if (voice?.mode !== 'id' || !voice.id) return fail(400, 'voice must be {mode: id, id}');
      if (voice.id === 'missing') return fail(404, `Voice not found for "${msg['transcript']}"`);
      if (format?.container !== 'raw' || !['pcm_mulaw', 'pcm_s16le'].includes(format.encoding ?? '') || !format.sample_rate) return fail(400, 'bad output_format');
      const rate = format.sample_rate;
      const pcm = tone(Math.round((msg['transcript'].length * (this.opts.samplesPerChar ?? 80) * rate) / 8000), rate);
      c.synthesised.push(pcm);
      const bytes = format.encoding === 'pcm_mulaw' ? mulawEncode(pcm) : Buffer.from(pcm.buffer, pcm.byteOffset, pcm.byteLength);
      const all = await dribble(bytes, this.opts.chunks ?? 4, this.opts.chunkGapMs ?? 60, (part) => {
        if (ws.readyState !== ws.OPEN || c.stoppedAt !== undefined) return false;
        if (first && this.opts.dropAfterChunks !== undefined && sent >= this.opts.dropAfterChunks) {
          ws.close(1011, 'internal_error');
          return false;
        }
        ws.send(JSON.stringify({ type: 'chunk', context_id: contextId, status_code: 206, done: false, step_time: 12, data: part.toString('base64') }));
        c.audioSentAt.push(performance.now());
        sent++;
        return true;
      });
      if (all && ws.readyState === ws.OPEN) ws.send(JSON.stringify({ type: 'done', context_id: contextId, status_code: 200, done: true }));
    });
  }
}
