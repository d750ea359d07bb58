/**
 * What both call-audio pipelines (`CallAudio` in process, `WorkerCallAudio` with its packets on a
 * media worker) do the same way, because the player, the endpointer and the echo reference live on
 * the main thread in both: prompt playout and its barge-in controls, and adaptive endpointing.
 */
import { EventEmitter } from 'node:events';
import type { BargeInOptions, EchoReference, Endpointer, Player, PlaySource } from '../media/index.js';
import type { CallAudioEvents } from './call-audio.js';

export abstract class CallAudioControls extends EventEmitter<CallAudioEvents> {
  abstract readonly player: Player;
  abstract readonly endpointer: Endpointer;
  abstract readonly echoReference: EchoReference;

  /** Queue a prompt. */
  play(source: PlaySource): void {
    this.player.enqueue(source);
  }

  /** Stop playout within one frame (barge-in, hang-up). */
  stopPlayback(): void {
    this.player.stop();
  }

  get playing(): boolean {
    return this.player.playing;
  }

  // Barge-in (CallAudioPort documents them): pause/resume, the caller still speaking, the application's rule.
  pausePlayback(): void {
    this.player.pause();
  }

  resumePlayback(): void {
    this.player.resume();
  }

  get paused(): boolean {
    return this.player.paused;
  }

  get callerSpeaking(): boolean {
    return this.endpointer.speaking;
  }

  setBargeIn(opts: BargeInOptions): void {
    this.endpointer.setBargeIn(opts, this.echoReference);
  }

  /** Adaptive endpointing: end the utterance at pause `id` after `hangoverMs` of silence (Endpointer.endAtPause). */
  endAtPause(id: number, hangoverMs: number): boolean {
    return this.endpointer.endAtPause(id, hangoverMs);
  }
}
