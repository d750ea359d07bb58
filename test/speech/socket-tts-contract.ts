/**
 * What both WebSocket TTS adapters (ElevenLabs, Cartesia) must do with their sockets, run against
 * each one's local protocol server over TLS (real sockets; the server counts TLS handshakes):
 *   - a call's second utterance reuses the call's socket (no new handshake);
 *   - cancel mid-utterance stops the audio at once, stops that context only, and the next utterance
 *     plays on the same socket;
 *   - the server dropping the socket before any audio: one reconnect, the utterance plays; after
 *     audio: the utterance fails with the reason, the next one opens a fresh socket;
 *   - call end closes the socket (and fails what was in flight); more utterances at once than a
 *     socket may carry wait for room.
 */
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import type { Tts } from '../../src/speech/types.js';
import type { SocketTts } from '../../src/speech/remote/socket-tts.js';
import type { TtsSession, WsProtocolServer } from '../helpers/ws-protocol-server.js';
import { waitFor } from '../helpers/wait.js';

export interface ContractServer extends WsProtocolServer {
  sessions: TtsSession[];
}

export interface ContractSetup {
  provider: string;
  /** A server (chunks 4, 80 ms apart), optionally dropping its first socket after `dropAfterChunks` audio messages. */
  server(dropAfterChunks?: number): Promise<{ server: ContractServer; url: string }>;
  tts(url: string): SocketTts;
  /** Utterances one socket carries at once. */
  maxContexts: number;
  /** Did the client stop this context (the provider's cancel message)? */
  stopped(session: TtsSession, contextIndex: number): boolean;
}

async function collect(it: AsyncIterable<Int16Array>): Promise<{ samples: number; chunks: number; firstMs: number }> {
  const t0 = performance.now();
  let [samples, chunks, firstMs] = [0, 0, 0];
  for await (const c of it) {
    if (!chunks) firstMs = performance.now() - t0;
    samples += c.length;
    chunks++;
  }
  return { samples, chunks, firstMs };
}

export function socketTtsContract(s: ContractSetup): void {
  const servers: ContractServer[] = [];
  const start = async (drop?: number) => {
    const r = await s.server(drop);
    servers.push(r.server);
    return r;
  };
  after(() => Promise.all(servers.map((x) => x.close())));

  test(`${s.provider}: a call's utterances share one socket; call end closes it`, async () => {
    const { server, url } = await start();
    const call = s.tts(url).forCall();
    const a = await collect(call.synthesize({ text: 'Hello, how can I help?' }));
    const b = await collect(call.synthesize({ text: 'Your balance is ten dollars.' }));
    assert.ok(a.samples > 0 && b.samples > 0);
    assert.equal(server.handshakes, 1, 'one TLS handshake for the call');
    assert.equal(server.sessions.length, 1);
    assert.equal(server.sessions[0]!.contexts.size, 2, 'each utterance its own context');
    await call.close();
    assert.equal((await server.sessions[0]!.closed).code, 1000);
    await assert.rejects(collect(call.synthesize({ text: 'too late' })), /after close/);
  });

  test(`${s.provider}: cancel mid-utterance stops it at once; the next utterance plays on the same socket`, async () => {
    const { server, url } = await start();
    const call = s.tts(url).forCall();
    const ac = new AbortController();
    let got = 0;
    let abortedAt = 0;
    await assert.rejects(
      (async () => {
        for await (const _ of call.synthesize({ text: 'A long answer the caller interrupts.', signal: ac.signal })) {
          got++;
          abortedAt = performance.now();
          ac.abort();
        }
      })(),
      /aborted/,
    );
    assert.ok(performance.now() - abortedAt < 50, 'the iteration ended at once');
    assert.equal(got, 1, 'nothing yielded after the cancel');
    const session = server.sessions[0]!;
    await waitFor('the context stopped on the socket', () => s.stopped(session, 0), 2000);
    const next = await collect(call.synthesize({ text: 'Sure, go ahead.' }));
    assert.ok(next.samples > 0);
    assert.equal(server.handshakes, 1, 'the socket survived the cancel');
    assert.equal(session.contexts.size, 2);
    await call.close();
  });

  test(`${s.provider}: a socket dropped before any audio is reconnected once; after audio the utterance fails and the next reconnects`, async () => {
    const early = await start(0);
    const call = s.tts(early.url).forCall();
    const r = await collect(call.synthesize({ text: 'Retried on a fresh socket.' }));
    assert.ok(r.samples > 0);
    assert.equal(early.server.handshakes, 2);
    await call.close();

    const late = await start(2);
    const call2 = s.tts(late.url).forCall();
    let got = 0;
    await assert.rejects(
      (async () => {
        for await (const _ of call2.synthesize({ text: 'A sentence cut by the drop.' })) got++;
      })(),
      (e: Error) => e.message === `${s.provider} closed the stream before the end of the audio (1011 internal_error)`,
    );
    assert.equal(got, 2, 'what arrived before the drop was yielded');
    const after = await collect(call2.synthesize({ text: 'Back again.' }));
    assert.ok(after.samples > 0);
    assert.equal(late.server.handshakes, 2, 'the next utterance opened a fresh socket');
    await call2.close();
  });

  test(`${s.provider}: more utterances at once than contexts allowed wait; call end fails what is in flight and leaves no socket`, async () => {
    const { server, url } = await start();
    const call = s.tts(url).forCall();
    // Two more than a socket carries; the first of the two waiting gives up (barge-in) while it waits.
    const texts = Array.from({ length: s.maxContexts + 2 }, (_, i) => `Piece number ${i}.`);
    const gaveUp = new AbortController();
    const runs = texts.map((text, i) => collect(call.synthesize({ text, ...(i === s.maxContexts ? { signal: gaveUp.signal } : {}) })));
    gaveUp.abort();
    const all = await Promise.allSettled(runs);
    assert.equal(all[s.maxContexts]!.status, 'rejected');
    assert.ok(all.every((x, i) => i === s.maxContexts || (x.status === 'fulfilled' && x.value.samples > 0)), 'the others all played');
    assert.equal(server.handshakes, 1);
    const inFlight = collect(call.synthesize({ text: 'Interrupted by the hang-up.' }));
    await new Promise((r) => setTimeout(r, 100));
    await call.close();
    await assert.rejects(inFlight, /closed with the call/);
    await server.sessions[0]!.closed;
    assert.equal(server.clients, 0);
  });

  test(`${s.provider}: a call that ends while its socket is still opening leaves no socket`, async () => {
    const { server, url } = await start();
    const call = s.tts(url).forCall(); // the call's socket starts opening
    await call.close();
    await waitFor('the socket gone', async () => server.sessions.length === 1 && (await server.sessions[0]!.closed) && server.clients === 0, 5000);
  });

  test(`${s.provider}: the process-wide adapter reuses its socket between utterances and closes it when idle`, async () => {
    const { server, url } = await start();
    const tts: Tts = s.tts(url);
    await collect(tts.synthesize({ text: 'One.' }));
    await collect(tts.synthesize({ text: 'Two.' }));
    assert.equal(server.handshakes, 1);
    const closed = await server.sessions[0]!.closed; // idleCloseMs 300 in the setup
    assert.equal(closed.code, 1000);
    await tts.close();
  });
}
