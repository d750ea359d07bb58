/**
 * Call-quality estimate from network figures: a simplified ITU-T G.107 E-model (the form used by
 * most VoIP monitors, after Cole & Rosenbluth 2001), for G.711 with packet-loss concealment.
 *
 *   effective latency  Le = oneWay + 2 × jitter + 10 ms      (oneWay = RTT / 2; 10 ms codec delay)
 *   delay impairment   R  = 93.2 − Le / 40                   if Le < 160 ms
 *                      R  = 93.2 − (Le − 120) / 10           otherwise
 *   loss impairment    R  = R − 2.5 × lossPercent
 *   R is clamped to [0, 100], then
 *   MOS = 1 + 0.035 R + 7·10⁻⁶ R (R − 60)(100 − R)
 *
 * A perfect G.711 path gives R ≈ 93 → MOS ≈ 4.4; 5 % loss → ≈ 4.0; 20 % loss → ≈ 2.2.
 * Owns: that formula only. Inputs come from RTCP statistics (`receiver-stats.ts`, `session.ts`).
 */

export interface QualityInputs {
  /** Packets lost / expected, 0–1. */
  lossFraction: number;
  /** Interarrival jitter, ms. */
  jitterMs: number;
  /** Round-trip time, ms (unknown → 0). */
  rttMs?: number | null;
}

/** R-factor of the simplified E-model (0–100). */
export function rFactor({ lossFraction, jitterMs, rttMs }: QualityInputs): number {
  const oneWay = (rttMs ?? 0) / 2;
  const le = oneWay + 2 * Math.max(0, jitterMs) + 10;
  let r = le < 160 ? 93.2 - le / 40 : 93.2 - (le - 120) / 10;
  r -= 2.5 * Math.max(0, Math.min(1, lossFraction)) * 100;
  return Math.max(0, Math.min(100, r));
}

/** Mean opinion score 1.0–4.5 from the R-factor. */
export function mosFromR(r: number): number {
  if (r <= 0) return 1;
  if (r >= 100) return 4.5;
  return 1 + 0.035 * r + 7e-6 * r * (r - 60) * (100 - r);
}

export function estimateMos(inputs: QualityInputs): number {
  return mosFromR(rFactor(inputs));
}
