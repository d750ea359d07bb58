/**
 * The plaintext inside a sealed record: `u32 jsonLength || JSON { transcript, context, callId, audio? meta } || audio bytes`.
 * Audio stays binary (no base64 inside the ciphertext).
 */
export interface RecordAudio {
  /** e.g. `pcm16`, `mulaw`. */
  encoding: string;
  sampleRate: number;
  data: Buffer;
}

export interface RecordPayload {
  transcript: string;
  callId: string;
  /** The dialog context the utterance ran in (state variables, node, intent…), as the dialog gave it. */
  context: Record<string, unknown>;
  audio?: RecordAudio;
}

export function encodePayload(p: RecordPayload): Buffer {
  const json = Buffer.from(
    JSON.stringify({ transcript: p.transcript, callId: p.callId, context: p.context, audio: p.audio ? { encoding: p.audio.encoding, sampleRate: p.audio.sampleRate } : undefined }),
    'utf8',
  );
  const len = Buffer.allocUnsafe(4);
  len.writeUInt32BE(json.length);
  return p.audio ? Buffer.concat([len, json, p.audio.data]) : Buffer.concat([len, json]);
}

export function decodePayload(b: Buffer): RecordPayload {
  const n = b.readUInt32BE(0);
  const meta = JSON.parse(b.subarray(4, 4 + n).toString('utf8')) as Omit<RecordPayload, 'audio'> & { audio?: Omit<RecordAudio, 'data'> };
  const out: RecordPayload = { transcript: meta.transcript, callId: meta.callId, context: meta.context ?? {} };
  if (meta.audio) out.audio = { ...meta.audio, data: Buffer.from(b.subarray(4 + n)) };
  return out;
}
