/**
 * Turning a dialog service's `output` object into a `TurnResponse`, shared by every provider:
 *   - text from `output.generic` (Watson Assistant's typed responses: text, option, pause,
 *     user_defined, connect_to_agent) or, when there is none, `output.text` (string or list);
 *   - action commands from `output.vgwAction` / `output.vgwActionSequence` and from any
 *     `user_defined` generic response carrying them;
 *   - one playback rule the call session can rely on: `text` is spoken first, then `actions` run in
 *     order. A `vgwActPlayText` without its own `text` takes the response text at its position in
 *     the sequence (IBM Voice Gateway's behaviour), and that text is then not spoken first as well.
 */
import { describeIssue, parseActions, type ActionCommand } from './actions.js';
import type { DialogContext, TurnResponse } from './types.js';

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function strings(v: unknown): string[] {
  if (typeof v === 'string') return v ? [v] : [];
  if (Array.isArray(v)) return v.filter((s): s is string => typeof s === 'string' && s.length > 0);
  return [];
}

/** Spoken form of an `option` response: the title, then the choices ("… You can say: A, B or C."). */
export function optionText(item: Record<string, unknown>): string {
  const title = [item['title'], item['description']].filter((s): s is string => typeof s === 'string' && !!s).join(' ');
  const labels = Array.isArray(item['options'])
    ? item['options'].map((o) => (isRecord(o) && typeof o['label'] === 'string' ? o['label'] : undefined)).filter((s): s is string => !!s)
    : [];
  if (!labels.length) return title;
  const list = labels.length === 1 ? labels[0]! : `${labels.slice(0, -1).join(', ')} or ${labels[labels.length - 1]}`;
  return `${title}${title ? ' ' : ''}You can say: ${list}.`;
}

export interface GenericReading {
  text: string[];
  /** Objects that may carry vgwAction/vgwActionSequence (user_defined payloads). */
  actionCarriers: Record<string, unknown>[];
  /** Actions implied by a generic response type itself (connect_to_agent → transfer). */
  impliedActions: unknown[];
  warnings: string[];
}

/** Read Watson Assistant `output.generic` entries. */
export function readGeneric(generic: unknown[]): GenericReading {
  const out: GenericReading = { text: [], actionCarriers: [], impliedActions: [], warnings: [] };
  for (const item of generic) {
    if (!isRecord(item)) continue;
    switch (item['response_type']) {
      case 'text':
        if (typeof item['text'] === 'string' && item['text']) out.text.push(item['text']);
        break;
      case 'option':
        {
          const t = optionText(item);
          if (t) out.text.push(t);
        }
        break;
      case 'user_defined':
        if (isRecord(item['user_defined'])) out.actionCarriers.push(item['user_defined']);
        break;
      case 'connect_to_agent': {
        const target = (item['transfer_info'] as { target?: { service_desk?: { sip?: { uri?: unknown } } } } | undefined)?.target?.service_desk?.sip?.uri;
        if (typeof target === 'string') out.impliedActions.push({ command: 'vgwActTransfer', parameters: { transferTarget: target } });
        else out.warnings.push('connect_to_agent response without transfer_info.target.service_desk.sip.uri; ignored');
        break;
      }
      case 'pause':
      case 'image':
      case 'video':
      case 'audio':
      case 'iframe':
      case 'suggestion':
      case 'search':
      case 'channel_transfer':
        // not speakable; a pause between utterances is left to the TTS
        break;
      default:
        if (typeof item['response_type'] === 'string') out.warnings.push(`generic response type "${item['response_type']}" ignored`);
    }
  }
  return out;
}

/** Build the turn response from a v1-style `output` object (also used for v2 and the local flow). */
export function responseFromOutput(output: unknown, context: DialogContext, extraCarriers: unknown[] = []): TurnResponse {
  const warnings: string[] = [];
  let text: string[] = [];
  const raw: unknown[] = [];
  const o = isRecord(output) ? output : {};
  const generic = Array.isArray(o['generic']) ? readGeneric(o['generic']) : undefined;
  if (generic && (generic.text.length || !('text' in o))) text = generic.text;
  else text = strings(o['text']);
  if (generic) warnings.push(...generic.warnings);

  const carriers: unknown[] = [o, ...(generic?.actionCarriers ?? []), ...extraCarriers];
  for (const c of carriers) {
    if (!isRecord(c)) continue;
    if (c['vgwAction'] != null) raw.push(c['vgwAction']);
    if (c['vgwActionSequence'] != null) {
      if (Array.isArray(c['vgwActionSequence'])) raw.push(...c['vgwActionSequence']);
      else warnings.push('action #0: vgwActionSequence must be an array of actions');
    }
  }
  raw.push(...(generic?.impliedActions ?? []));

  const parsed = parseActions({ vgwActionSequence: raw });
  warnings.push(...parsed.warnings, ...parsed.errors.map(describeIssue));
  return placeText(text, parsed.actions, context, warnings);
}

/** Apply the playback rule: a bare `vgwActPlayText` takes the response text at its position. */
export function placeText(text: string[], actions: ActionCommand[], context: DialogContext, warnings: string[]): TurnResponse {
  let textUsed = false;
  const placed = actions.map((a): ActionCommand => {
    if (a.command === 'vgwActPlayText' && !a.parameters.text?.length) {
      textUsed = true;
      return { command: 'vgwActPlayText', parameters: { text } };
    }
    return a;
  });
  return { text: textUsed ? [] : text, actions: placed, context, warnings };
}
