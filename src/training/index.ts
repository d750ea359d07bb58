/** Public surface of the training module (capture, crypto, retention, erasure, export). */
export { TrainingCapture, policyLookup, type CaptureInput, type CaptureResult, type TrainingCaptureOptions } from './capture.js';
export { TrainingReader, type OpenedRecord } from './reader.js';
export { Eraser, type ErasureParticipant, type ErasureRequest, type ErasureOutcome } from './erasure.js';
export { RetentionSweeper, type SweepResult } from './retention.js';
export { exportTraining, progressBar, type ExportRequest, type ExportResult } from './export.js';
export { DataKeyRing } from './data-keys.js';
export { FileKeyStore, KmsKeyStore, KeyUnwrapError, type KeyStore, type KmsClient } from './keystore.js';
export { TamperedError, ShreddedError } from './envelope.js';
export { openTraining, checkRegions, RegionConfigError, type TrainingService, type TrainingServiceConfig } from './service.js';
export * from './config.js';
export { pseudonymOf } from './caller-identity.js';
export { encodeAad, newDataKey, open, seal } from './envelope.js';
export { DataKeyEventCipher } from './event-cipher.js';
export { readOrCreateKeyFile } from './keystore.js';
export type { ParticipantErasure } from './erasure.js';
