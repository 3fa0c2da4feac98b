import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, describe, it } from 'node:test';
import { decide } from '../decide/decide.js';
import { healthyCluster, testConfig } from '../decide/fixtures.js';
import type { DecideState } from '../model/decision.js';
import { ConfigError } from '../model/errors.js';
import { checkStateFolder, StateFile } from './state-file.js';

const root = fs.mkdtempSync(path.join(os.tmpdir(), 'gw-state-file-'));
after(() => fs.rmSync(root, { recursive: true, force: true }));
let n = 0;
/** a fresh private folder (0700) and the state file path in it */
function place(): { dir: string; file: string } {
  const dir = path.join(root, `d${++n}`);
  fs.mkdirSync(dir, { mode: 0o700 });
  return { dir, file: path.join(dir, 'state.json') };
}

const config = testConfig({ retryUp: 1, minHoldMs: 0, retryDown: 3 });
const stateAt = (t: number, previous: DecideState | null = null): DecideState =>
  decide({ observation: healthyCluster(config, t), previous, config, now: t }).next;

describe('state file', () => {
  it('reads back what it wrote: the decision state and the maintenance marks', () => {
    const { file } = place();
    const state = stateAt(1_000_000);
    assert.equal(new StateFile(file).saveAll({ state, maintenance: ['node2', 'node1'] }), true);
    const back = new StateFile(file).loadSaved();
    assert.deepEqual(back, { state, maintenance: ['node1', 'node2'] });
    assert.deepEqual(new StateFile(file).load(), state);
  });

  it('sets an invalid file aside, naming the file and the field, and starts fresh', () => {
    const { dir, file } = place();
    fs.writeFileSync(file, JSON.stringify({ version: 1, writer: { epoch: 7 }, nodes: {} }));
    const warnings: string[] = [];
    assert.equal(new StateFile(file, (m) => warnings.push(m), () => Date.UTC(2026, 10, 30, 12, 0, 0)).loadSaved(), null);
    assert.equal(warnings.length, 1);
    assert.ok(warnings[0]!.includes(file), warnings[0]);
    assert.match(warnings[0]!, /writer\.nodes/);
    assert.match(warnings[0]!, /starting fresh/);
    assert.equal(fs.existsSync(file), false, 'the invalid file is no longer in the way');
    const aside = fs.readdirSync(dir).filter((f) => f.startsWith('state.json.invalid-'));
    assert.deepEqual(aside, ['state.json.invalid-2026-11-30T12-00-00-000Z']);
    assert.ok(warnings[0]!.includes(path.join(dir, aside[0]!)), 'the message says where the file went');
  });

  it('sets aside a file that is not JSON, and one whose maintenance marks are not names', () => {
    const cases: [string, RegExp][] = [['{"version":1,', /not JSON/], [JSON.stringify({ ...stateAt(1_000_000), maintenance: [3] }), /maintenance: expected a list of node names/]];
    for (const [text, problem] of cases) {
      const { dir, file } = place();
      fs.writeFileSync(file, text);
      const warnings: string[] = [];
      assert.equal(new StateFile(file, (m) => warnings.push(m)).loadSaved(), null);
      assert.match(warnings[0]!, problem);
      assert.equal(fs.readdirSync(dir).filter((f) => f.includes('.invalid-')).length, 1);
    }
  });

  it('writes only when what it records changes, not on every tick of a steady cluster', () => {
    const { file } = place();
    const sf = new StateFile(file);
    let state = stateAt(1_000_000);
    assert.equal(sf.saveAll({ state, maintenance: [] }), true);
    const written = fs.statSync(file).mtimeMs;
    let writes = 0;
    for (let t = 1_000_050; t < 1_001_000; t += 50) {
      state = stateAt(t, state);
      if (sf.saveAll({ state, maintenance: [] })) writes++;
    }
    assert.equal(writes, 0);
    assert.equal(fs.statSync(file).mtimeMs, written);
    assert.equal(sf.saveAll({ state, maintenance: ['node3'] }), true, 'a new maintenance mark is written');
    // the writer goes unhealthy: every observation counting towards retryDown is written (scheduler mode reads it back)
    const down = healthyCluster(config, 1_002_000);
    const writer = state.writer.nodes[0]!;
    const sick = { ...down, nodes: down.nodes.map((o) => (o.node === writer ? { node: o.node, host: o.host, port: o.port, at: o.at, latencyMs: 1, error: { kind: 'timeout' as const, message: 'timed out' } } : o)) };
    state = decide({ observation: sick, previous: state, config, now: 1_002_000 }).next;
    assert.equal(sf.saveAll({ state, maintenance: ['node3'] }), true);
    assert.equal(new StateFile(file).load()?.nodes[writer]?.unhealthyStreak, 1);
  });

  it('a new StateFile does not rewrite the state it just read', () => {
    const { file } = place();
    const state = stateAt(1_000_000);
    new StateFile(file).saveAll({ state, maintenance: ['node1'] });
    const sf = new StateFile(file);
    const saved = sf.loadSaved()!;
    assert.equal(sf.saveAll(saved), false);
  });

  it('writes atomically, readable by its owner only, and leaves no temporary file', () => {
    const { dir, file } = place();
    fs.writeFileSync(file, 'old', { mode: 0o644 });
    fs.chmodSync(file, 0o644);
    new StateFile(file).saveAll({ state: stateAt(1_000_000), maintenance: [] });
    assert.equal(fs.statSync(file).mode & 0o777, 0o600);
    assert.deepEqual(fs.readdirSync(dir), ['state.json']);
    assert.doesNotThrow(() => JSON.parse(fs.readFileSync(file, 'utf8')) as unknown);
  });
});

describe('state folder check', () => {
  const refused = (file: string, key: string) => {
    const err = (() => {
      try {
        checkStateFolder(file, key);
      } catch (e) {
        return e;
      }
      return undefined;
    })();
    assert.ok(err instanceof ConfigError, `expected a ConfigError for ${file}`);
    assert.ok(err.message.startsWith(`${key}: `), err.message);
    return err.message;
  };

  it('refuses /tmp, naming the key', () => {
    assert.match(refused('/tmp/state.json', 'run.stateFile'), /\/tmp is world-writable \(mode 1777\)/);
  });

  it('refuses any world-writable folder, sticky or not', () => {
    const { dir } = place();
    fs.chmodSync(dir, 0o777);
    assert.match(refused(path.join(dir, 'state.json'), 'run.stateFile'), /world-writable \(mode 777\)/);
  });

  it('creates a missing folder (0700) and accepts a private one', () => {
    const { dir } = place();
    const nested = path.join(dir, 'a', 'b');
    checkStateFolder(path.join(nested, 'state.json'), 'run.stateFile');
    assert.equal(fs.statSync(nested).mode & 0o777, 0o700);
  });

  it('names the key when the folder cannot be made', () => {
    const { dir } = place();
    fs.writeFileSync(path.join(dir, 'file'), '');
    assert.match(refused(path.join(dir, 'file', 'state.json'), 'run.stateFile'), /cannot create the state folder/);
  });
});
