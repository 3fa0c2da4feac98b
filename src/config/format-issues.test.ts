import assert from 'node:assert/strict';
import { inspect } from 'node:util';
import { describe, it } from 'node:test';
import { describeValue, editDistance, formatPath, suggestKey } from './format-issues.js';
import { Secret } from './secret.js';

describe('format-issues', () => {
  it('paths read as in TOML', () => {
    assert.equal(formatPath(['nodes', 1, 'port']), 'nodes[1].port');
    assert.equal(formatPath(['tls', 'ca']), 'tls.ca');
    assert.equal(formatPath([]), '');
  });

  it('found values are shown short and typed', () => {
    assert.equal(describeValue('abc'), '"abc"');
    assert.equal(describeValue(5), '5');
    assert.equal(describeValue({ a: 1 }), 'a table');
    assert.equal(describeValue([1]), 'an array');
    assert.equal(describeValue('x'.repeat(100)).length, 62);
  });

  it('suggests the key a typo meant, and nothing for a stranger', () => {
    const allowed = ['name', 'host', 'port', 'weight', 'healthPort'];
    assert.equal(editDistance('hots', 'host'), 1, 'a swap is one edit');
    assert.equal(suggestKey('hots', allowed), 'host');
    assert.equal(suggestKey('Port', allowed), 'port');
    assert.equal(suggestKey('helthPort', allowed), 'healthPort');
    assert.equal(suggestKey('password', allowed), undefined);
  });
});

describe('Secret', () => {
  it('shows itself nowhere but reveal()', () => {
    const s = new Secret('hunter22');
    assert.equal(s.reveal(), 'hunter22');
    for (const shown of [JSON.stringify({ s }), inspect({ s }, { depth: 5, showHidden: true }), String(s), `${String(s)}`]) {
      assert.ok(!shown.includes('hunter22'), shown);
    }
    assert.equal(JSON.stringify({ s }), '{"s":"[redacted]"}');
  });
});
