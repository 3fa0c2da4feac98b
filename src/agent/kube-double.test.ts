// The Kubernetes API double driven through @kubernetes/client-node on the wire: pods list/watch with
// resourceVersion and 410 Gone, Leases with optimistic concurrency, and the election on top.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { KubeApiDouble, kubeconfigFor, matchesSelector } from './testing/kube-api-double.js';
import { KubeLeaseStore, kubeClients, loadKubeConfig } from './kube-client.js';
import type { KubeClients } from './kube-client.js';
import { PodWatcher, servingPods } from './pod-watcher.js';
import { LeaseElector } from './lease-election.js';

const NS = 'proxysql';
const CORE = 'app=proxysql,role=core';

async function until(what: string, cond: () => boolean, ms = 10_000): Promise<void> {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

describe('Kubernetes API double through @kubernetes/client-node', () => {
  let d: KubeApiDouble;
  let k: KubeClients;
  let dir: string;
  before(async () => {
    d = await KubeApiDouble.start({ token: 'sekret' });
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'gw-kube-'));
    fs.writeFileSync(path.join(dir, 'kubeconfig'), kubeconfigFor(d));
    k = kubeClients(loadKubeConfig({ kubeconfig: path.join(dir, 'kubeconfig') }), 2000);
  });
  after(async () => {
    await d.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('label selectors: equality, inequality, existence', () => {
    const l = { app: 'proxysql', role: 'core' };
    assert.equal(matchesSelector(l, 'app=proxysql,role=core'), true);
    assert.equal(matchesSelector(l, 'app==proxysql,role!=core'), false);
    assert.equal(matchesSelector(l, 'role'), true);
    assert.equal(matchesSelector(l, '!role'), false);
    assert.equal(matchesSelector(l, 'role=satellite'), false);
  });

  it('a wrong token gets 401 (the client reports the status)', async () => {
    const bad = kubeClients(loadKubeConfig({ kubeconfig: path.join(dir, 'kubeconfig') }), 2000);
    d.token = 'other';
    try {
      await assert.rejects(new KubeLeaseStore(bad, NS, 'x').get(), (e) => (e as { status: number }).status === 401);
    } finally {
      d.token = 'sekret';
    }
  });

  it('the watcher lists, follows ADDED/MODIFIED/DELETED, resumes from its resourceVersion, relists on 410', async () => {
    d.setPod(NS, { name: 'core-0', ip: '10.0.0.10', ready: true, labels: { app: 'proxysql', role: 'core' } });
    d.setPod(NS, { name: 'sat-0', ip: '10.0.1.10', ready: true, labels: { app: 'proxysql', role: 'satellite' } });
    d.setPod('other', { name: 'core-x', ip: '10.9.0.1', ready: true, labels: { app: 'proxysql', role: 'core' } });
    const w = new PodWatcher({ clients: k, namespace: NS, labelSelector: CORE, watchTimeoutSeconds: 60 });
    w.start();
    try {
      await until('first list', () => w.synced);
      assert.deepEqual([...w.pods.keys()], ['core-0']);
      await until('a watch open', () => d.openWatches === 1);
      d.setPod(NS, { name: 'core-1', ip: '10.0.0.11', ready: false, labels: { app: 'proxysql', role: 'core' } });
      await until('core-1 seen', () => w.pods.has('core-1'));
      assert.deepEqual(servingPods(w.pods.values()).map((p) => p.name), ['core-0']);
      d.setPod(NS, { name: 'core-1', ip: '10.0.0.11', ready: true, labels: { app: 'proxysql', role: 'core' } });
      await until('core-1 ready', () => w.pods.get('core-1')?.ready === true);
      d.markDeleting(NS, 'core-0');
      await until('core-0 deleting', () => w.pods.get('core-0')?.deleting === true);
      assert.deepEqual(servingPods(w.pods.values()).map((p) => p.name), ['core-1']);

      // the server ends the stream; the watcher re-watches from where it was, without a new list
      const lists = w.counts.lists;
      const rv = w.resourceVersion!;
      d.endWatches();
      d.deletePod(NS, 'core-0'); // happens while no watch is open: must come from the replay
      await until('core-0 gone', () => !w.pods.has('core-0'));
      assert.equal(w.counts.lists, lists);
      assert.ok(d.requests.some((r) => r.includes('watch=true') && r.includes(`resourceVersion=${rv}`)), 'a watch resumed from the last resourceVersion');

      // compaction while disconnected: the resumed watch gets an ERROR 410 event, the watcher relists
      await until('a watch open again', () => d.openWatches === 1);
      d.endWatches();
      d.setPod(NS, { name: 'core-2', ip: '10.0.0.12', ready: true, labels: { app: 'proxysql', role: 'core' } });
      d.compact();
      await until('relisted after 410', () => w.counts.expired >= 1 && w.pods.has('core-2'));
      assert.ok(w.counts.lists > lists);

      // the same with an HTTP 410 answer
      d.expiredAsHttp410 = true;
      await until('a watch open again', () => d.openWatches === 1);
      d.endWatches();
      d.deletePod(NS, 'core-1');
      d.compact();
      await until('relisted after HTTP 410', () => w.counts.expired >= 2 && !w.pods.has('core-1'));
      assert.deepEqual([...w.pods.keys()].sort(), ['core-2']);
    } finally {
      w.stop();
      d.expiredAsHttp410 = false;
    }
  });

  it('leases: 404 when absent, 201 on create, 409 AlreadyExists, 409 Conflict on a stale resourceVersion, MicroTime on the wire', async () => {
    const s = new KubeLeaseStore(k, NS, 'l1');
    assert.equal(await s.get(), undefined);
    const rec = { holderIdentity: 'a', leaseDurationSeconds: 15, acquireTime: 1_700_000_000_123, renewTime: 1_700_000_000_123, leaseTransitions: 0 };
    const created = await s.create(rec);
    assert.deepEqual(created.record, rec);
    const raw = d.lease(NS, 'l1')!.spec as { renewTime: string };
    assert.match(raw.renewTime, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z$/, 'renewTime sent as RFC 3339 micro');
    await assert.rejects(s.create(rec), (e) => (e as { status: number }).status === 409);
    const renewed = await s.replace({ ...rec, renewTime: rec.renewTime + 1000 }, created.resourceVersion);
    assert.notEqual(renewed.resourceVersion, created.resourceVersion);
    await assert.rejects(s.replace({ ...rec, holderIdentity: 'b' }, created.resourceVersion), (e) => (e as { code: string }).code === 'E_KUBE_CONFLICT');
    assert.equal((await s.get())!.record.holderIdentity, 'a');
  });

  it('two electors on one lease: exactly one leads; the standby takes over after the leader stops', async () => {
    const changes: string[] = [];
    const mk = (id: string) => new LeaseElector({ store: new KubeLeaseStore(k, NS, 'core-leader'), identity: id, leaseDurationSeconds: 2, renewDeadlineMs: 1500, retryPeriodMs: 200, onChange: (l) => changes.push(`${id}:${l}`) });
    const a = mk('a');
    const b = mk('b');
    a.start();
    await until('a leads', () => a.leader);
    b.start();
    await until('b saw the holder', () => b.holder === 'a');
    assert.equal(b.leader, false);
    await a.stop();
    await until('b leads', () => b.leader, 10_000);
    assert.equal(a.leader, false);
    const l = d.lease(NS, 'core-leader')!.spec as { holderIdentity: string; leaseTransitions: number };
    assert.equal(l.holderIdentity, 'b');
    assert.ok(l.leaseTransitions >= 1);
    await b.stop();
    assert.deepEqual(changes, ['a:true', 'a:false', 'b:true', 'b:false']);
  });
});
