/** Call recordings at rest: sealed per region under the caller's data key, listed, opened, deleted, erased (docs/privacy.md#recording). */
export { RecordingService, viewOf, type RecordingMeta, type RecordingView, type OpenedRecording } from './service.js';
export { RecordingStore, RECORDINGS_NAMESPACE, recordingMigrations, type RecordingRow } from './recording-store.js';
export type { ConsentMode, ConsentOutcome, PauseReason, RecordingPause, RecordedAudio } from './types.js';
