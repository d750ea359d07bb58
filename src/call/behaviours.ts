/**
 * The built-in call behaviours (the agent's lives in the gateway's agent resource pool):
 * `hold` plays the greeting and keeps the call up for `holdSeconds` (0 = until the caller hangs up);
 * `loopback` echoes the caller's audio back (operators checking a trunk, tests).
 */
import { isAbsolute, resolve as resolvePath } from 'node:path';
import type { Clock } from '../time/index.js';
import type { ActiveCall, CallBehaviour } from './active-call.js';

export function holdBehaviour(clock: Clock): CallBehaviour {
  return (call) => {
    const g = call.route.application.greeting;
    if (g) call.media.play({ kind: 'wavFile', path: isAbsolute(g) ? g : resolvePath(call.baseDir ?? '.', g) });
    holdTimer(call, clock);
  };
}

export function loopbackBehaviour(clock: Clock): CallBehaviour {
  return (call) => {
    call.media.loopback = true;
    holdTimer(call, clock);
  };
}

function holdTimer(call: ActiveCall, clock: Clock): void {
  const secs = call.route.application.holdSeconds;
  if (secs > 0) {
    const t = clock.setTimeout(() => void call.hangup('hold-complete'), secs * 1000);
    call.session.once('ended', () => clock.clearTimeout(t));
  }
}
