/**
 * Training-capture configuration, to be composed into the main schema:
 * - per application: `training: { enabled, retentionDays, includeAudio }` (capture is off by default);
 * - per account: `training: { maxRetentionDays }` (the ceiling for its applications, default 30).
 * `effectiveRetentionDays` is what capture and the sweeper use: the application's days, never more
 * than the account's maximum. `trainingConfigIssues` reports an application asking for more, so a
 * `superRefine` can fail the config at start with the field's path.
 */
import { z } from 'zod';

export const DEFAULT_RETENTION_DAYS = 30;
export const DAY_MS = 86_400_000;

export const applicationTrainingSchema = z
  .object({
    /** Capture final speech-recognition results of this application's calls. */
    enabled: z.boolean().default(false),
    /** Days a record is kept; defaults to 30, capped by the account's `maxRetentionDays`. */
    retentionDays: z.number().int().min(1).max(3650).optional(),
    /** Keep the utterance audio with the transcript. */
    includeAudio: z.boolean().default(false),
  })
  .prefault({});

export const accountTrainingSchema = z
  .object({
    /** Longest any of the account's applications may keep training records (days). */
    maxRetentionDays: z.number().int().min(1).max(3650).default(DEFAULT_RETENTION_DAYS),
  })
  .prefault({});

export type ApplicationTrainingConfig = z.infer<typeof applicationTrainingSchema>;
export type AccountTrainingConfig = z.infer<typeof accountTrainingSchema>;

export function effectiveRetentionDays(app: Pick<ApplicationTrainingConfig, 'retentionDays'>, account: AccountTrainingConfig): number {
  return Math.min(app.retentionDays ?? DEFAULT_RETENTION_DAYS, account.maxRetentionDays);
}

/** What the capture path needs to know about one application. */
export interface TrainingPolicy {
  accountId: string;
  applicationId: string;
  region: string;
  enabled: boolean;
  includeAudio: boolean;
  retentionDays: number;
}

/** The shape of the composed config this module reads (structural, so it does not import the main schema). */
export interface TrainingConfigView {
  accounts: {
    id: string;
    training?: AccountTrainingConfig;
    applications: { id: string; region: string; training?: ApplicationTrainingConfig }[];
  }[];
}

export function trainingPolicies(cfg: TrainingConfigView): TrainingPolicy[] {
  return cfg.accounts.flatMap((acc) => {
    const account = acc.training ?? accountTrainingSchema.parse(undefined);
    return acc.applications.map((app) => {
      const t = app.training ?? applicationTrainingSchema.parse(undefined);
      return {
        accountId: acc.id,
        applicationId: app.id,
        region: app.region,
        enabled: t.enabled,
        includeAudio: t.includeAudio,
        retentionDays: effectiveRetentionDays(t, account),
      };
    });
  });
}

export function trainingConfigIssues(cfg: TrainingConfigView): { path: (string | number)[]; message: string }[] {
  const issues: { path: (string | number)[]; message: string }[] = [];
  cfg.accounts.forEach((acc, ai) => {
    const max = acc.training?.maxRetentionDays ?? DEFAULT_RETENTION_DAYS;
    acc.applications.forEach((app, pi) => {
      const days = app.training?.retentionDays;
      if (days !== undefined && days > max) {
        issues.push({
          path: ['accounts', ai, 'applications', pi, 'training', 'retentionDays'],
          message: `retentionDays ${days} exceeds the account's maxRetentionDays ${max}`,
        });
      }
    });
  });
  return issues;
}
