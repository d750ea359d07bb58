/**
 * The words of an SSML document, for protocols that take plain text (OpenAI-compatible speech,
 * ElevenLabs, Cartesia): tags are never read out, breaks and prosody are lost.
 */
import { ssmlToPieces } from '../ssml.js';

export function plainText(ssml: string): string {
  return ssmlToPieces(ssml)
    .map((p) => (p.kind === 'text' ? p.text : ''))
    .filter(Boolean)
    .join(' ');
}
