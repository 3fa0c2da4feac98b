import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parse } from 'smol-toml';
import { mergeConfig } from './merge-config.js';

describe('mergeConfig', () => {
  it('merges a table present in both key by key, keeps arrays of tables, adds new tables', () => {
    const base = '[cluster]\nname = "s"\n[run]\nstateFile = "/x/state.json"\n[[nodes]]\nname = "a"\n[[nodes]]\nname = "b"\n';
    const out = parse(mergeConfig(base, '[run]\nintervalMs = 100\n[proxy]\nenabled = false\n'));
    assert.deepEqual({ ...(out.run as object) }, { stateFile: '/x/state.json', intervalMs: 100 });
    assert.deepEqual({ ...(out.proxy as object) }, { enabled: false });
    assert.deepEqual((out.nodes as { name: string }[]).map((n) => n.name), ['a', 'b']);
    assert.equal((parse(mergeConfig(base, '[run]\nstateFile = "/y.json"\n')).run as { stateFile: string }).stateFile, '/y.json');
  });
});
