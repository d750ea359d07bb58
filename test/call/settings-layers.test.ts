/** The updateMethod semantics of vgwActSet*Config (src/call/settings-layers.ts). */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { SettingsLayers, mergeSettings } from '../../src/call/settings-layers.js';

test('replace starts from the configured settings and lasts', () => {
  const l = new SettingsLayers({ config: { model: 'base', smart_formatting: false } });
  l.apply({ config: { model: 'a', profanity_filter: true } }, 'merge');
  l.apply({ config: { model: 'b' } }, 'replace');
  assert.deepEqual(l.current(), { config: { model: 'b', smart_formatting: false } }, 'nothing of the earlier merge is left');
  l.turnUsed();
  assert.deepEqual(l.current(), { config: { model: 'b', smart_formatting: false } });
  assert.equal(l.changed, true);
});

test('merge adds fields one level deep and lasts', () => {
  const l = new SettingsLayers();
  l.apply({ config: { model: 'a' } }, 'merge');
  l.apply({ config: { smart_formatting: true }, credentials: { url: 'https://x' } }, 'merge');
  l.turnUsed();
  assert.deepEqual(l.current(), { config: { model: 'a', smart_formatting: true }, credentials: { url: 'https://x' } });
});

test('replaceOnce and mergeOnce last one turn, then the persistent settings are back', () => {
  const l = new SettingsLayers({ config: { model: 'base' } });
  l.apply({ config: { smart_formatting: true } }, 'merge');
  l.apply({ config: { model: 'once' } }, 'replaceOnce');
  assert.deepEqual(l.current(), { config: { model: 'once' } }, 'replaceOnce starts from the configured settings');
  l.turnUsed();
  assert.deepEqual(l.current(), { config: { model: 'base', smart_formatting: true } });
  l.apply({ config: { model: 'm1' } }, 'mergeOnce');
  assert.deepEqual(l.current(), { config: { model: 'm1', smart_formatting: true } }, 'mergeOnce builds on the persistent settings');
  l.turnUsed();
  assert.deepEqual(l.current(), { config: { model: 'base', smart_formatting: true } });
  const fresh = new SettingsLayers();
  assert.equal(fresh.changed, false);
  fresh.apply({ config: { a: 1 } }, 'replaceOnce');
  assert.equal(fresh.changed, true);
  fresh.turnUsed();
  assert.equal(fresh.changed, false);
});

test('a persistent merge also reaches a pending once-change', () => {
  const l = new SettingsLayers();
  l.apply({ config: { model: 'once' } }, 'replaceOnce');
  l.apply({ config: { smart_formatting: true } }, 'merge');
  assert.deepEqual(l.current(), { config: { model: 'once', smart_formatting: true } });
  l.turnUsed();
  assert.deepEqual(l.current(), { config: { smart_formatting: true } });
});

test('mergeSettings does not mutate its inputs and replaces arrays whole', () => {
  const base = { config: { keywords: ['a', 'b'] }, x: 1 };
  const out = mergeSettings(base, { config: { keywords: ['c'] } });
  assert.deepEqual(out, { config: { keywords: ['c'] }, x: 1 });
  assert.deepEqual(base, { config: { keywords: ['a', 'b'] }, x: 1 });
});
