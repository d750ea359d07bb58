// Digits across turns (CallPrivacy): a number given a few digits at a time, by voice or one key per
// turn, becomes one sensitive entity once the run reaches 4 digits — for every destination — while
// a real menu choice still works.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { CallPrivacy } from '../../src/privacy/call-privacy.js';
import { applyPolicy, DEFAULT_PRIVACY_POLICY } from '../../src/privacy/policy.js';
import { TokenVault } from '../../src/privacy/vault.js';

function gate(cp: CallPrivacy, vault: TokenVault, turn: { text?: string; dtmf?: string }) {
  const detection = cp.detection(cp.callerTurn(turn));
  const record = turn.dtmf !== undefined ? { dtmf: turn.dtmf } : { transcript: turn.text };
  return {
    dialog: applyPolicy('dialog', record, DEFAULT_PRIVACY_POLICY, { vault, detection }),
    events: applyPolicy('events', record, DEFAULT_PRIVACY_POLICY, { detection }),
    training: applyPolicy('training', record, DEFAULT_PRIVACY_POLICY, { detection }),
  };
}

test('a card keyed one digit per turn: the first keys pass as menu choices, from the 4th on every key is redacted everywhere', () => {
  const cp = new CallPrivacy();
  const vault = new TokenVault();
  const card = '4111111111111111';
  const toDialog: string[] = [];
  const toEvents: string[] = [];
  for (const key of card) {
    const g = gate(cp, vault, { dtmf: key });
    toDialog.push(g.dialog.dtmf!);
    toEvents.push(g.events.dtmf!);
  }
  assert.deepEqual(toDialog.slice(0, 3), ['4', '1', '1']);
  for (const v of toDialog.slice(3)) assert.match(v, /^\[DTMF_\d+\]$/);
  for (const v of toEvents.slice(3)) assert.equal(v, '[DTMF]');
  // the dialog cannot rebuild the number from what it received
  assert.ok(!toDialog.join('').includes('1111'));
  // the vault restores the tokens for speaking
  assert.equal(vault.restore(toDialog.slice(3).join('')), card.slice(3));
});

test('digits spoken a few at a time are one entity once the run reaches 4', () => {
  const cp = new CallPrivacy();
  const vault = new TokenVault();
  const a = gate(cp, vault, { text: 'four one' });
  assert.equal(a.events.transcript, 'four one');
  const b = gate(cp, vault, { text: 'uh one one' });
  assert.equal(b.events.transcript, 'uh [NUMBER]');
  const c = gate(cp, vault, { text: 'one one one one' });
  assert.equal(c.events.transcript, '[NUMBER]');
  assert.equal(c.training.transcript, '[NUMBER]');
  assert.match(c.dialog.transcript!, /^\[NUMBER_\d+\]$/);
  // the caller says something else: the dictation is over, menus work again
  const d = gate(cp, vault, { text: 'what are your opening hours' });
  assert.equal(d.events.transcript, 'what are your opening hours');
  const e = gate(cp, vault, { dtmf: '2' });
  assert.equal(e.dialog.dtmf, '2');
});

test('a number started at the end of a sentence continues in the next turns', () => {
  const cp = new CallPrivacy();
  const vault = new TokenVault();
  const first = gate(cp, vault, { text: 'my card number is four one one' });
  assert.equal(first.events.transcript, 'my card number is [CREDIT_DEBIT_NUMBER]');
  const second = gate(cp, vault, { text: 'one' });
  assert.equal(second.events.transcript, '[NUMBER]');
});

test('a menu choice in an ordinary call passes; a single digit after a personal question does not', () => {
  const cp = new CallPrivacy();
  const vault = new TokenVault();
  cp.agentSaid('Press 1 for balance or 2 for payments.');
  assert.equal(gate(cp, vault, { dtmf: '1' }).dialog.dtmf, '1');
  assert.equal(gate(cp, vault, { text: 'thanks what about my balance' }).events.transcript, 'thanks what about my balance');
  cp.agentSaid('Please key in your PIN one digit at a time.');
  assert.match(gate(cp, vault, { dtmf: '7' }).dialog.dtmf!, /^\[DTMF_\d+\]$/);
});

test('the call\'s own numbers are PHONE in the turn\'s detection context', () => {
  const cp = new CallPrivacy({ numbers: ['sip:+442079460958@carrier.example', 'sip:1000@gw'], defaultCountry: 'GB' });
  const vault = new TokenVault();
  assert.equal(gate(cp, vault, { text: 'room 020 7946 0958 please' }).events.transcript, 'room [PHONE] please');
  assert.equal(gate(cp, vault, { text: 'it ends with 0958' }).events.transcript, 'it ends with [PHONE]');
  assert.deepEqual(cp.callNumbers.nsns, ['2079460958'], 'short service numbers are not personal');
});
