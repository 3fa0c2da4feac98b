// `galera-warden explain` end to end: spawns the built CLI on the example observations.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import type { DecideResult } from '../model/decision.js';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');
const MAIN = path.join(ROOT, 'dist/src/cli/main.js');
const EX = (name: string): string => path.join(ROOT, 'examples/observations', name);
const CONFIG = ['--decide-config', EX('decide-config.json')];

function explain(...args: string[]): { status: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [MAIN, 'explain', ...args], { encoding: 'utf8', cwd: ROOT, timeout: 30_000 });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

const rowOf = (out: string, node: string): string[] => (out.split('\n').find((l) => l.startsWith(`${node} `)) ?? '').trim().split(/\s{2,}/);

void test('explain: a healthy cluster elects the highest weight and lists every node', () => {
  const r = explain('--observation', EX('healthy-3-nodes.json'), ...CONFIG);
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stdout, /^writers: node1$/m);
  assert.match(r.stdout, /^readers: node1, node2, node3$/m);
  assert.deepEqual(rowOf(r.stdout, 'node2').slice(0, 5), ['node2', 'backup', 'reader', 'sever/keep', 'in']);
});

void test('explain: the frozen writer that resumed with a stale view goes to maintenance and node2 writes', () => {
  const r = explain('--observation', EX('frozen-writer-resumed.json'), ...CONFIG);
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stdout, /^writers: node2$/m);
  assert.deepEqual(rowOf(r.stdout, 'node1'), ['node1', 'maintenance', 'maintenance', 'sever/sever', 'out', 'STALE_VIEW']);
  assert.match(r.stdout, /CRITICAL\s+STALE_VIEW\s+node1: reports Primary view 6a1f4c1e:7 \(size 3\), but node2, node3 report the newer view 6a1f4c1e:9/);
});

void test('explain: with the previous state, a killed writer is a fail-over with its changes and a new epoch', () => {
  const r = explain('--observation', EX('writer-killed.json'), '--state', EX('state-node1-writer.json'), ...CONFIG);
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stdout, /writer epoch 2/);
  assert.match(r.stdout, /^ {2}node1 writer: writer -> offline_hard \(PROBE_REFUSED, EXCLUDED_BY_PEERS\)$/m);
  assert.match(r.stdout, /^ {2}node2 writer: backup -> writer \(FAILOVER\)$/m);
});

void test('explain: donor and joiner leave the pools; pxc_maint_mode takes the writer out, its write connections severed once node2 writes', () => {
  const donor = explain('--observation', EX('donor.json'), ...CONFIG);
  assert.equal(donor.status, 0, donor.stderr);
  assert.deepEqual(rowOf(donor.stdout, 'node2').slice(0, 6), ['node2', 'offline_soft', 'offline_soft', 'sever/drain', 'out', 'DONOR']);
  assert.match(donor.stdout, /^readers: node1$/m);
  const maint = explain('--observation', EX('maintenance.json'), ...CONFIG);
  assert.deepEqual(rowOf(maint.stdout, 'node1').slice(0, 6), ['node1', 'offline_soft', 'offline_soft', 'sever/drain', 'out', 'MAINT_MODE']);
  assert.match(maint.stdout, /^writers: node2$/m);
});

void test('explain: --json prints the whole result; --external verdicts win; --save-state feeds the next explain', () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'gw-explain-'));
  try {
    const ext = path.join(dir, 'external.json');
    writeFileSync(ext, JSON.stringify({ downtimed: ['node1'] }));
    const state = path.join(dir, 'state.json');
    const r = explain('--observation', EX('healthy-3-nodes.json'), '--external', ext, '--save-state', state, '--json', ...CONFIG);
    assert.equal(r.status, 0, r.stderr);
    const result = JSON.parse(r.stdout) as DecideResult;
    assert.deepEqual(result.desired.writers, ['node2']);
    assert.ok(result.findings.some((f) => f.code === 'DOWNTIMED' && f.node === 'node1'));
    assert.deepEqual(JSON.parse(readFileSync(state, 'utf8')), result.next);
    const next = explain('--observation', EX('healthy-3-nodes.json'), '--state', state, '--now', String(result.desired.at + 2000), '--json', ...CONFIG);
    const again = JSON.parse(next.stdout) as DecideResult;
    assert.deepEqual(again.desired.writers, ['node2'], 'sticky writer: node1 does not take the role back');
    assert.ok(again.findings.some((f) => f.code === 'HOLD_PENDING' && f.node === 'node1'));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

void test('explain: a missing or bad file is named in a clear message and the exit status is 2', () => {
  const missing = explain('--observation', '/nonexistent/obs.json');
  assert.equal(missing.status, 2);
  assert.equal(missing.stderr, 'galera-warden: --observation /nonexistent/obs.json: cannot read the file: no such file\n');
  const dir = mkdtempSync(path.join(tmpdir(), 'gw-explain-'));
  try {
    const broken = path.join(dir, 'broken.json');
    writeFileSync(broken, '{"at": 1, "nodes": [');
    const r1 = explain('--observation', broken);
    assert.equal(r1.status, 2);
    assert.match(r1.stderr, new RegExp(`--observation ${broken}: not valid JSON`));
    const wrong = path.join(dir, 'wrong.json');
    writeFileSync(wrong, JSON.stringify({ at: 1, nodes: [{ node: 'node1', host: 'h', port: 3306, at: 1, latencyMs: 1, status: { localState: 'four' } }] }));
    const r2 = explain('--observation', wrong);
    assert.equal(r2.status, 2);
    assert.match(r2.stderr, /not an observation \(ClusterObservation JSON\):\n {2}nodes\.0\.status\.localState: /);
    const typo = path.join(dir, 'typo.json');
    writeFileSync(typo, JSON.stringify({ retryUpp: 3 }));
    const r3 = explain('--observation', EX('healthy-3-nodes.json'), '--decide-config', typo);
    assert.equal(r3.status, 2);
    assert.match(r3.stderr, /--decide-config .*typo\.json: not a decision config .*\n.*retryUpp/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

void test('explain: --config takes names, addresses and weights from the TOML [[nodes]]', () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'gw-explain-'));
  try {
    const toml = path.join(dir, 'warden.toml');
    const node = (i: number, weight: number): string => `[[nodes]]\nname = "node${i}"\nhost = "10.0.0.1${i}"\nport = 3306\nweight = ${weight}\n`;
    writeFileSync(toml, `[cluster]\nname = "prod"\n[credentials]\nuser = "warden"\npassword = "pw"\n${node(1, 10)}${node(2, 20)}${node(3, 30)}`);
    const r = explain('--observation', EX('healthy-3-nodes.json'), '--config', toml);
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stdout, /^writers: node3$/m, 'the highest configured weight wins');
    const bad = path.join(dir, 'bad.toml');
    writeFileSync(bad, '[cluster]\n');
    const r2 = explain('--observation', EX('healthy-3-nodes.json'), '--config', bad);
    assert.equal(r2.status, 2);
    assert.match(r2.stderr, /config .*bad\.toml: /);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
