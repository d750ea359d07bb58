/**
 * Per application: `recording: { enabled, channels, consent, announcement, consentKey,
 * consentPhrase, consentTimeoutSec }`. Off by default. Recordings expire with the application's
 * retention (its training `retentionDays`, capped by the account's `maxRetentionDays`; 30 days by default).
 */
import { z } from 'zod';

export const recordingConfigSchema = z
  .object({
    enabled: z.boolean().default(false),
    /** `stereo`: caller left, agent right; `mono`: both mixed. */
    channels: z.enum(['mono', 'stereo']).default('stereo'),
    /**
     * `none`: record from the answer; `announce`: only after `announcement` played in full;
     * `explicit`: only after the caller presses `consentKey` or says `consentPhrase` (agent applications).
     */
    consent: z.enum(['none', 'announce', 'explicit']).default('announce'),
    announcement: z.string().min(1).max(500).optional(),
    consentKey: z.string().regex(/^[0-9*#]$/, 'one key: 0-9, * or #').default('1'),
    consentPhrase: z.string().min(1).max(60).optional(),
    consentTimeoutSec: z.number().int().min(1).max(60).default(10),
  })
  .strict()
  .superRefine((r, ctx) => {
    if (r.enabled && r.consent !== 'none' && !r.announcement) ctx.addIssue({ code: 'custom', path: ['announcement'], message: `consent "${r.consent}" needs the announcement to play` });
  });

export type RecordingConfig = z.infer<typeof recordingConfigSchema>;
