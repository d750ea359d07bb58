/**
 * SRTP packet index estimation (RFC 3711 §3.3.1 and Appendix A).
 *
 * Owns: guessing the rollover counter v of a received (or sent) 16-bit sequence number from the
 * highest sequence number s_l and rollover counter ROC seen so far, so that the 48-bit index
 * i = 2^16·v + SEQ is the one closest to the current position. A guess of -1 (a packet from before
 * the stream's first index) is returned as is: the caller drops it as too old.
 */

/** Appendix A: v ∈ {ROC-1, ROC, ROC+1}. */
export function guessRollover(highestSeq: number, roc: number, seq: number): number {
  if (highestSeq < 0x8000) {
    return seq - highestSeq > 0x8000 ? roc - 1 : roc;
  }
  return highestSeq - 0x8000 > seq ? roc + 1 : roc;
}

/** 48-bit packet index from a rollover counter and a sequence number. */
export function packetIndex(roc: number, seq: number): number {
  return roc * 0x10000 + seq;
}
