/** The dialog is told who placed the call: vgwCallDirection, and an outbound request's variables. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { gatewayContext } from '../../src/dialog/context-vars.js';

const base = { sessionId: 's', sipCallId: 'c', sipRequestUri: 'sip:+1@h', sipFromUri: '<sip:a@h>', sipToUri: '<sip:b@h>' };

test('vgwCallDirection is inbound unless the gateway placed the call; vgwCallVariables carries the request variables', () => {
  assert.equal(gatewayContext({}, base)['vgwCallDirection'], 'inbound');
  const out = gatewayContext({ vgwCallDirection: 'forged' }, { ...base, callDirection: 'outbound', callVariables: { campaign: 'renewal' } });
  assert.equal(out['vgwCallDirection'], 'outbound');
  assert.deepEqual(out['vgwCallVariables'], { campaign: 'renewal' });
});
