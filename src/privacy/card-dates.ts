/**
 * What a card's expiry date can be: a month and a year from two years ago (cards read out after
 * they lapsed) to twenty years ahead. Shared by the number and date detectors.
 */
export const THIS_YEAR = new Date().getUTCFullYear();

export function monthValid(mm: number): boolean {
  return mm >= 1 && mm <= 12;
}

/** A card's expiry year, given as two digits ("29") or four ("2029"). */
export function expiryYear(yy: string | number): boolean {
  const v = typeof yy === 'number' ? yy : Number(yy);
  const y = v < 100 ? 2000 + v : v;
  return y >= THIS_YEAR - 2 && y <= THIS_YEAR + 20;
}
