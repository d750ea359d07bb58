/**
 * Where the embedded recogniser's model lives (Debian `pocketsphinx-en-us`) and the decoder
 * arguments built from it. One place to change when a different model is installed.
 */
import { join } from 'node:path';

export interface PocketSphinxModel {
  /** Acoustic model directory (16 kHz). */
  hmm: string;
  /** Pronunciation dictionary. */
  dict: string;
  /** General language model, used when the turn has no grammar. */
  lm: string;
}

export const DEBIAN_EN_US_MODEL_DIR = '/usr/share/pocketsphinx/model/en-us';

export function debianEnUsModel(dir = DEBIAN_EN_US_MODEL_DIR): PocketSphinxModel {
  return { hmm: join(dir, 'en-us'), dict: join(dir, 'cmudict-en-us.dict'), lm: join(dir, 'en-us.lm.bin') };
}

export function decoderArgs(model: PocketSphinxModel): string[] {
  return ['-hmm', model.hmm, '-dict', model.dict, '-lm', model.lm, '-logfn', '/dev/null', '-bestpath', 'yes'];
}
