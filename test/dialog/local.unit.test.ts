/**
 * The local provider with the bank demo flow (examples/flows/bank.yaml), and flow validation errors.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { dialogConfigSchema } from '../../src/dialog/config.js';
import { createDialogFactory } from '../../src/dialog/create.js';
import { loadFlow } from '../../src/dialog/local/flow.js';
import { LocalDialog } from '../../src/dialog/local/local-dialog.js';
import { bestIntent, spokenDigits, tokens } from '../../src/dialog/local/matcher.js';
import type { TurnInput } from '../../src/dialog/types.js';

const BANK = readFileSync(new URL('../../examples/flows/bank.yaml', import.meta.url), 'utf8');

function bank(overrides: Record<string, string> = {}): LocalDialog {
  const r = loadFlow(BANK, overrides);
  assert.ok(r.ok, r.ok ? '' : r.error);
  return new LocalDialog(r.flow);
}

const turn = (d: LocalDialog, input: TurnInput, context: Record<string, unknown> = {}) => d.turn({ input, isFirstTurn: false, context });

describe('local flow: bank demo', () => {
  it('greets on the first turn and sets the no-input timer', async () => {
    const d = bank();
    const r = await d.turn({ input: { text: '' }, isFirstTurn: true, context: { vgwSessionID: 's' } });
    assert.match(r.text[0]!, /^Welcome to Hushgate Bank/);
    assert.equal(r.context['vgwPostResponseTimeoutCount'], 8000);
    assert.equal(r.context['vgwSessionID'], 's');
    assert.equal(d.currentState, 'main');
  });

  it('matches spoken intents, fuzzily, and keypad shortcuts', async () => {
    const d = bank();
    const cases: Array<[TurnInput, string]> = [
      [{ text: "what's my balance" }, 'balance'],
      [{ text: 'uh I would like to check my balence please' }, 'balance'],
      [{ text: 'what time do you close today' }, 'hours'],
      [{ text: 'can I talk to a real person' }, 'agent'],
      [{ text: 'I want to pay my credit card' }, 'card_payment'],
      [{ dtmf: '2' }, 'hours'],
      [{ dtmf: '1' }, 'balance'],
    ];
    for (const [input, intent] of cases) {
      const dd = bank();
      await turn(dd, input);
      assert.equal(dd.lastIntent, intent, JSON.stringify(input));
    }
    const r = await turn(d, { text: 'the weather in paris' });
    assert.equal(d.lastIntent, undefined);
    assert.match(r.text[0]!, /^Sorry, I did not catch that/);
  });

  it('transfers to the configured agent target with REFER', async () => {
    const d = bank({ agentTarget: 'sip:queue@pbx.example.com' });
    const r = await turn(d, { text: 'agent please' });
    assert.deepEqual(r.actions, [{ command: 'vgwActTransfer', parameters: { transferTarget: 'sip:queue@pbx.example.com', transferMethod: 'REFER' } }]);
    const failed = await turn(d, { text: 'vgwCallTransferFailed' });
    assert.match(failed.text[0]!, /no agent is available/);
  });

  it('card payment: collects 13-19 digits ending in #, re-asks on invalid input, confirms only the last 4', async () => {
    const d = bank();
    const ask = await turn(d, { text: 'card payment' });
    assert.deepEqual(ask.actions, [{ command: 'hgActSensitive', parameters: { on: true } }, { command: 'vgwActCollectDTMF', parameters: { dtmfTermKey: '#', dtmfMinCount: 13, dtmfMaxCount: 19 } }]);
    assert.equal(d.currentState, 'card_number');
    assert.deepEqual(d.expectations(), { phrases: ['speak to an agent', 'talk to a person', 'representative', 'human please', 'customer service', 'operator', 'goodbye', 'bye', 'that is all', 'nothing else thank you', 'no thanks'], dtmf: true });

    const short = await turn(d, { dtmf: '1234#' });
    assert.match(short.text[0]!, /does not look like a card number/);
    assert.equal(short.actions[0]!.command, 'vgwActCollectDTMF');
    const badLuhn = await turn(d, { dtmf: '4111111111111112#' });
    assert.match(badLuhn.text[0]!, /does not look like a card number/);

    const timeout = await turn(d, { text: 'vgwPostResponseTimeout' });
    assert.match(timeout.text[0]!, /enter your card number/);
    assert.equal(timeout.actions[0]!.command, 'vgwActCollectDTMF');

    const ok = await turn(d, { dtmf: '4111111111111111#' });
    assert.equal(ok.text[0], 'Thank you. Your payment from the card ending in 1 1 1 1 is scheduled. Is there anything else?');
    assert.ok(!ok.text.join(' ').includes('4111'));
    assert.deepEqual(ok.actions, [{ command: 'hgActSensitive', parameters: { on: false } }, { command: 'vgwActExcludeFromTTSCache', parameters: {} }]);
    assert.ok(!JSON.stringify(ok.context).includes('4111111111111111'), 'the card number stays out of the context');
    assert.equal(d.currentState, 'main');
  });

  it('accepts a spoken card number, and lets the caller ask for an agent instead', async () => {
    const d = bank();
    await turn(d, { text: 'pay my card' });
    const ok = await turn(d, { text: 'four one one one one one one one one one one one one one one one' });
    assert.match(ok.text[0]!, /ending in 1 1 1 1/);
    await turn(d, { text: 'pay my card' });
    const agent = await turn(d, { text: 'operator' });
    assert.equal(agent.actions[0]!.command, 'vgwActTransfer');
  });

  it('no input: reprompts twice, then says goodbye and hangs up; real input resets the count', async () => {
    const d = bank();
    const t = () => turn(d, { text: 'vgwPostResponseTimeout' });
    assert.match((await t()).text[0]!, /Are you still there/);
    await turn(d, { text: 'balance' });
    assert.match((await t()).text[0]!, /Are you still there/);
    assert.match((await t()).text[0]!, /Are you still there/);
    const final = await t();
    assert.match(final.text[0]!, /end the call/);
    assert.deepEqual(final.actions, [{ command: 'vgwActHangup', parameters: {} }]);
  });

  it('goodbye hangs up; vgwHangUp gets an empty answer', async () => {
    const d = bank();
    const bye = await turn(d, { text: 'goodbye' });
    assert.deepEqual(bye.actions, [{ command: 'vgwActHangup', parameters: {} }]);
    assert.deepEqual(await turn(d, { text: 'vgwHangUp' }, { a: 1 }), { text: [], actions: [], context: { a: 1 }, warnings: [] });
  });

  it('is the embedded default flow of the local provider, with variables from config', async () => {
    const r = await createDialogFactory(dialogConfigSchema.parse({ provider: 'local', variables: { agentTarget: 'tel:+15550100' } }));
    assert.ok(r.ok, r.ok ? '' : r.error);
    const d = r.factory.newDialog();
    await d.turn({ input: { text: '' }, isFirstTurn: true, context: {} });
    const res = await d.turn({ input: { dtmf: '0' }, isFirstTurn: false, context: {} });
    assert.deepEqual(res.actions, [{ command: 'vgwActTransfer', parameters: { transferTarget: 'tel:+15550100', transferMethod: 'REFER' } }]);
    const missing = await createDialogFactory(dialogConfigSchema.parse({ provider: 'local', flow: '/nonexistent/flow.yaml' }));
    assert.equal(missing.ok, false);
  });
});

describe('local flow validation', () => {
  const minimal = (extra: string) => `
name: t
start: main
welcome: { say: hi }
intents:
  yes: { examples: [yes], respond: { say: ok } }
states:
  main: {}
fallback: { say: what }
noInput: { reprompt: { say: hello? }, final: { say: bye } }
${extra}`;

  it('accepts a minimal flow', () => {
    assert.equal(loadFlow(minimal('')).ok, true);
  });

  it('names the path of each problem', () => {
    const cases: Array<[string, RegExp]> = [
      [minimal('').replace('start: main', 'start: mian'), /start: no state "mian"/],
      [minimal('').replace('respond: { say: ok }', 'respond: { say: ok, next: nowhere }'), /intents\.yes\.respond\.next: no state "nowhere"/],
      [minimal('').replace('respond: { say: ok }', 'respond: { actions: [{ command: vgwActCollectDTMF, parameters: { dtmfMinCount: 9, dtmfMaxCount: 2 } }] }'), /intents\.yes\.respond\.actions\.0: vgwActCollectDTMF: dtmfMinCount: must not exceed dtmfMaxCount/],
      [minimal('').replace('respond: { say: ok }', 'respond: { actions: [{ command: vgwActFly }] }'), /intents\.yes\.respond\.actions\.0: unknown action command "vgwActFly"/],
      [minimal('').replace('respond: { say: ok }', 'respond: { say: "{{nope}}" }'), /intents\.yes\.respond\.say\.0: unknown variable or slot "nope"/],
      [minimal('').replace('main: {}', 'main: { intents: [no] }'), /states\.main\.intents\.0: no intent "no"/],
      [minimal('').replace('examples: [yes]', 'examples: []'), /intents\.yes\.examples: /],
      [minimal('bogus: 1'), /Unrecognized key/],
      ['name: [', /not valid YAML/],
    ];
    for (const [yaml, re] of cases) {
      const r = loadFlow(yaml);
      assert.equal(r.ok, false, String(re));
      if (!r.ok) assert.match(r.error, re);
    }
  });
});

describe('matcher', () => {
  it('normalises, stems and drops stop words', () => {
    assert.deepEqual(tokens("What's my account balance?"), ['account', 'balance']);
    assert.deepEqual(tokens('opening hours'), ['open', 'hour']);
  });
  it('spoken digits', () => {
    assert.equal(spokenDigits('four one double two 3'), '41223');
    assert.equal(spokenDigits('four and then five'), undefined);
    assert.equal(spokenDigits('constructor'), undefined);
  });
  it('threshold rejects weak matches', () => {
    const intents = [{ name: 'a', examples: [tokens('account balance')] }];
    assert.equal(bestIntent('balance', intents, 0.5)?.name, 'a');
    assert.equal(bestIntent('I lost my dog yesterday evening', intents, 0.5), undefined);
  });
});

describe('sensitive steps', () => {
  it('a response marked sensitive turns the switch with hgActSensitive before its other actions', async () => {
    const r = loadFlow(BANK);
    assert.ok(r.ok);
    const d = new LocalDialog(r.flow);
    await d.turn({ input: { text: '' }, isFirstTurn: true, context: {} });
    const ask = await d.turn({ input: { dtmf: '3' }, isFirstTurn: false, context: {} });
    assert.deepEqual(ask.actions.map((a) => a.command), ['hgActSensitive', 'vgwActCollectDTMF']);
    assert.deepEqual(ask.actions[0]!.parameters, { on: true });
    const done = await d.turn({ input: { dtmf: '4111111111111111' }, isFirstTurn: false, context: ask.context });
    assert.deepEqual(done.actions.map((a) => [a.command, a.parameters]), [['hgActSensitive', { on: false }], ['vgwActExcludeFromTTSCache', {}]]);
  });
});
