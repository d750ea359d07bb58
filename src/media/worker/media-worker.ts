/**
 * A media worker thread's entry point (started by `MediaWorkerPool`, worker-pool.ts).
 *
 * Owns, for the calls placed on it: their RTP/RTCP sockets (from its own slice of the port range),
 * jitter buffers, G.711 codecs, SRTP contexts and RFC 4733 DTMF, all paced by its own
 * PlayoutScheduler. The main thread keeps SIP, dialogs, the endpointer and the player; audio crosses
 * through each call's FrameRings, counters through its StatsBlock, control through the messages of
 * protocol.ts. Each second it posts its own thread CPU time (/proc/thread-self/stat, Linux).
 *
 * Nothing here logs: an error in a call's tick is counted by the scheduler; anything that escapes
 * to the event loop ends the thread, and the pool ends that thread's calls (worker-pool.ts).
 */
import { parentPort, workerData } from 'node:worker_threads';
import { readFileSync } from 'node:fs';
import { PortPool } from '../port-pool.js';
import { RtpSession } from '../rtp/session.js';
import { PlayoutScheduler } from '../scheduler.js';
import { configureSrtpBackend, createSrtpContexts } from '../srtp/index.js';
import { systemClock } from '../../time/index.js';
import { attachCallRings } from './frame-ring.js';
import { WorkerCall } from './worker-call.js';
import type { FromWorker, ToWorker, WorkerInit } from './protocol.js';

const init = workerData as WorkerInit;
const port = parentPort!;
const post = (m: FromWorker): void => port.postMessage(m);

const srtp = configureSrtpBackend(init.srtpBackend);
if (!srtp.ok) throw new Error(`media worker: ${srtp.reason}`);
const pool = new PortPool(init.portMin, init.portMax);
const scheduler = new PlayoutScheduler(systemClock, { phases: init.phases });
const calls = new Map<number, { call: WorkerCall; unregister: () => void }>();

/** This thread's user + system CPU in ms (Linux; 0 elsewhere). */
function threadCpuMs(): number {
  try {
    const f = readFileSync('/proc/thread-self/stat', 'utf8');
    const fields = f.slice(f.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) * 10; // USER_HZ = 100
  } catch {
    return 0;
  }
}

async function open(id: number, buffer: SharedArrayBuffer): Promise<void> {
  const r = await RtpSession.open({ ports: pool, address: init.host, sources: init.sources ?? 'signalled' });
  if (!r.ok) return post({ op: 'openFailed', id, reason: r.error });
  const rtp = r.value;
  const call = new WorkerCall(rtp, attachCallRings(buffer));
  rtp.on('dtmf', (event) => post({ op: 'dtmf', id, event }));
  rtp.on('dtmfStart', (digit) => post({ op: 'dtmfStart', id, digit }));
  calls.set(id, { call, unregister: scheduler.register(call) });
  post({ op: 'opened', id, port: rtp.localPort });
}

async function close(id: number): Promise<void> {
  const c = calls.get(id);
  if (!c) return;
  calls.delete(id);
  c.unregister();
  post({ op: 'closed', id, stats: await c.call.close() });
}

port.on('message', (m: ToWorker) => {
  if (m.op === 'open') return void open(m.id, m.buffer);
  if (m.op === 'close') return void close(m.id);
  if (m.op === 'crash') {
    setImmediate(() => {
      if (m.how === 'throw') throw new Error('media worker crash requested');
      for (;;); // a stuck loop: only the pool's watchdog ends it
    });
    return;
  }
  const c = calls.get(m.id)?.call;
  if (!c) return;
  if (m.op === 'configure') c.configure(m.stream);
  else if (m.op === 'srtp') c.rtp.setSrtp(m.keys ? createSrtpContexts(m.keys) : null);
  else if (m.op === 'loopback') c.loopback = m.on;
  else if (m.op === 'dtmf') c.rtp.sendDtmf(m.digit, m.durationMs);
});

// The thread's CPU once per interval (calls' counters are in shared memory); unref'd: the thread lives as long as the pool keeps it.
const statsTimer = setInterval(() => post({ op: 'stats', calls: calls.size, cpuMs: threadCpuMs() }), init.statsIntervalMs ?? 1000);
statsTimer.unref();

post({ op: 'ready' });
