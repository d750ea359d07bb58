/** Public surface of the player: the Player and its source loaders. */
export { Player, type PlaySource, type PlayerSink, type PlayerFrame, type PlayerOptions, type FinishReason } from './player.js';
export { loadUrl, loadWavFile, wavToTelephone, type FetchLimits, type LoadResult } from './sources.js';
