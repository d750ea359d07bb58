/**
 * The `stream` application: once the call is answered its audio goes to the application's bot
 * (BotStream) until the call ends. The bot ending the stream (a normal close) or a stream that
 * cannot be re-established ends the call from our side; a drop it recovers from does not.
 */
import type { Logger } from 'pino';
import { parsePrivacyPolicy } from '../../privacy/index.js';
import { streamIssues, type StreamConfig } from '../../tenancy/index.js';
import type { Clock } from '../../time/index.js';
import type { ActiveCall, CallBehaviour } from '../active-call.js';
import { BotStream } from './bot-stream.js';

/** Start a stream on a live call (the `stream` mode, or the dialog's start-stream action). */
export function startCallStream(call: ActiveCall, cfg: StreamConfig, o: { clock: Clock; log: Logger; defaultCountry: string }): BotStream | { error: string } {
  const app = call.route.application;
  // Fail closed for applications that did not come through the config file's check (admin API).
  const issue = streamIssues({ ...app, stream: cfg }).find((i) => i.path[0] === 'privacy');
  if (issue) return { error: issue.message };
  const policy = parsePrivacyPolicy(app.privacy);
  if (!policy.ok) return { error: `privacy: ${policy.error}` };
  const req = call.session.request;
  const stream = new BotStream(
    { callId: call.info.callId, from: req.headers.get('From') ?? '', to: req.headers.get('To') ?? '', media: call.media, keys: call.keys, emit: (e) => call.emit(e) },
    cfg, policy.policy, { ...o, ...(call.variables ? { variables: call.variables } : {}) },
  );
  // The sensitive switch mutes the bot's audio (and keys) at once, and for as long as it is on.
  stream.muted = call.sensitive.active;
  const onSensitive = (c: { on: boolean }) => (stream.muted = c.on);
  call.sensitive.on('change', onSensitive);
  call.session.once('ended', () => {
    call.sensitive.off('change', onSensitive);
    stream.stop('call-ended');
  });
  stream.start();
  return stream;
}

export function streamBehaviour(o: { clock: Clock; log: Logger; defaultCountry: string }): CallBehaviour {
  return (call) => {
    const cfg = call.route.application.stream;
    const log = o.log.child({ callId: call.info.callId, applicationId: call.route.application.id });
    if (!cfg) {
      log.error('stream application without a stream; hanging up');
      return void call.hangup('local-bye');
    }
    const s = startCallStream(call, cfg, { ...o, log });
    if ('error' in s) {
      log.error({ error: s.error }, 'stream refused; hanging up');
      return void call.hangup('local-bye');
    }
    s.on('stopped', (reason) => {
      if (reason === 'bot-closed' || reason === 'reconnect-failed') void call.hangup('local-bye');
    });
  };
}
