/**
 * Estimated MOS for the CDR's RTP statistics: a simplified ITU-T G.107 E-model for G.711 with
 * packet-loss concealment. Inputs come from RTCP (loss fraction, jitter, round-trip time); the
 * one-way delay is taken as rtt/2 plus a jitter-buffer allowance of twice the jitter plus 20 ms
 * packetisation. It is an estimate for trend dashboards, not a conformance measurement.
 */
export interface MosInput {
  lossRate: number; // 0..1
  jitterMs: number;
  rttMs?: number;
}

const R0 = 93.2;
const IE_G711 = 0;
const BPL_G711_PLC = 25.1;

export function estimateMos({ lossRate, jitterMs, rttMs }: MosInput): number {
  const ppl = Math.min(Math.max(lossRate, 0), 1) * 100;
  const delay = (rttMs ?? 40) / 2 + 2 * Math.max(jitterMs, 0) + 20;
  const id = 0.024 * delay + (delay > 177.3 ? 0.11 * (delay - 177.3) : 0);
  const ieEff = IE_G711 + (95 - IE_G711) * (ppl / (ppl + BPL_G711_PLC));
  const r = R0 - id - ieEff;
  if (r <= 0) return 1;
  if (r >= 100) return 4.5;
  const mos = 1 + 0.035 * r + r * (r - 60) * (100 - r) * 7e-6;
  return Math.round(Math.min(Math.max(mos, 1), 4.5) * 100) / 100;
}
