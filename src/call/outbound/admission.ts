/**
 * Whether a requested outbound call may be placed, decided before anything is allocated or sent:
 * the account and application exist, the destination is a number the account may dial (its
 * allowed prefixes), a trunk the account may use carries it, and the caller ID is one that trunk
 * may present. Every refusal is a value with the HTTP status and error code the API answers.
 */
import type { AccountConfig, ApplicationConfig, TrunkConfig } from '../../tenancy/index.js';
import { err, ok, type Result } from '../../result/index.js';
import { checkAllowed, parseDestination } from './destination.js';
import { chooseTrunk, dialPlan, trunksFor, type DialPlan } from './trunks.js';

export interface PlaceCallRequest {
  accountId: string;
  applicationId: string;
  /** `sip:number@trunk-host`, `tel:+number` or `+E164` (or a national number). */
  to: string;
  from?: string;
  trunk?: string;
  timeoutSeconds?: number;
  /** Handed to the application's dialog as context variables. */
  variables?: Record<string, unknown>;
}

export interface OutboundRefusal {
  status: 400 | 403 | 404 | 429 | 503;
  code: string;
  message: string;
}

export interface AdmittedCall {
  account: AccountConfig;
  application: ApplicationConfig;
  number: string;
  trunk: TrunkConfig;
  /** Key of the trunk's limiter: a shared trunk is limited over all accounts, an own trunk per account. */
  trunkKey: string;
  plan: DialPlan;
}

export function admitOutbound(req: PlaceCallRequest, accounts: readonly AccountConfig[], sharedTrunks: readonly TrunkConfig[], defaultCountry: string): Result<AdmittedCall, OutboundRefusal> {
  const account = accounts.find((a) => a.id === req.accountId);
  if (!account) return err({ status: 404, code: 'not_found', message: `account "${req.accountId}" not found` });
  const application = account.applications.find((a) => a.id === req.applicationId);
  if (!application) return err({ status: 404, code: 'not_found', message: `application "${req.applicationId}" not found in account "${account.id}"` });
  const dest = parseDestination(req.to, defaultCountry);
  if (!dest.ok) return err({ status: 400, ...dest.error });
  // No outbound section at all is the same as no allowed prefixes: refused (fail closed).
  const outbound = account.outbound ?? { allowedPrefixes: [], trunks: [], ownTrunks: [], maxConcurrent: 1 };
  const allowed = checkAllowed(dest.value.number, outbound.allowedPrefixes);
  if (!allowed.ok) return err({ status: 403, ...allowed.error });
  const trunk = chooseTrunk(trunksFor(outbound, sharedTrunks), dest.value, req.trunk);
  if (!trunk.ok) return err({ status: 403, ...trunk.error });
  const plan = dialPlan(trunk.value, dest.value.number, req.from, defaultCountry);
  if (!plan.ok) return err({ status: 403, ...plan.error });
  const own = outbound.ownTrunks.includes(trunk.value);
  return ok({ account, application, number: dest.value.number, trunk: trunk.value, trunkKey: own ? `${account.id}/${trunk.value.name}` : trunk.value.name, plan: plan.value });
}
