// The behaviour every router adapter shares (Hono's common.case.test.ts model): one suite, run by each
// implementation's test file with a harness that builds the adapter and reads its actual routing back.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { NodeDecision, DesiredRouting, ReaderRole, WriterRole } from '../model/decision.js';
import type { RouterAdapter } from './router.js';

export interface ContractNode {
  name: string;
  host: string;
  port: number;
}

/** Who takes traffic, as the router itself reports it (node names, any order). */
export interface RoutingView {
  writers: string[];
  readers: string[];
}

export interface RouterHarness {
  adapter: RouterAdapter;
  /** three nodes the adapter can route to */
  nodes: ContractNode[];
  actual(): Promise<RoutingView>;
  /** arranges for the next apply of `desired` to fail part-way; returns the routing to apply */
  breakNextApply(desired: DesiredRouting): DesiredRouting;
  close(): Promise<void>;
}

/** A decision with the given writers, readers and nodes in maintenance; every other node is a backup. */
export function routing(nodes: readonly ContractNode[], o: { writers: string[]; readers: string[]; maintenance?: string[]; epoch?: number }): DesiredRouting {
  const m = new Set(o.maintenance ?? []);
  const decisions: NodeDecision[] = [...nodes].sort((a, b) => (a.name < b.name ? -1 : 1)).map((n) => {
    const writer: WriterRole = m.has(n.name) ? 'maintenance' : o.writers.includes(n.name) ? 'writer' : 'backup';
    const reader: ReaderRole = m.has(n.name) ? 'maintenance' : o.readers.includes(n.name) ? 'reader' : 'backup';
    return {
      node: n.name, host: n.host, port: n.port, writer, reader,
      writerConnections: writer === 'writer' ? 'keep' : 'sever',
      readerConnections: reader === 'reader' ? 'keep' : m.has(n.name) ? 'sever' : 'drain',
      inService: !m.has(n.name), reasons: [],
    };
  });
  return { at: 0, epoch: o.epoch ?? 1, writers: [...o.writers], readers: [...o.readers].sort(), nodes: decisions, primary: null };
}

const sorted = (v: RoutingView): RoutingView => ({ writers: [...v.writers].sort(), readers: [...v.readers].sort() });

export function routerContract(implementation: string, setup: () => Promise<RouterHarness>): void {
  describe(`router contract: ${implementation}`, () => {
    let h: RouterHarness;
    let names: string[];
    before(async () => {
      h = await setup();
      names = h.nodes.map((n) => n.name).sort();
    });
    after(async () => {
      await h.close();
    });

    it('applies a decision and the router reads back as decided', async () => {
      const [a, b, c] = names as [string, string, string];
      const out = await h.adapter.apply(routing(h.nodes, { writers: [a], readers: [a, b, c] }));
      assert.equal(out.ok, true, out.error?.message);
      assert.equal(out.changed, true);
      assert.equal(out.router, h.adapter.name);
      assert.deepEqual(sorted(await h.actual()), { writers: [a], readers: [a, b, c] });
    });

    it('names the current writers when it can tell (optional currentWriters())', async (t) => {
      if (!h.adapter.currentWriters) {
        t.skip(`${implementation} does not implement currentWriters()`);
        return;
      }
      assert.deepEqual(await h.adapter.currentWriters(), [names[0]]);
    });

    it('changes nothing when nothing changed', async () => {
      const [a, b, c] = names as [string, string, string];
      const out = await h.adapter.apply(routing(h.nodes, { writers: [a], readers: [a, b, c] }));
      assert.equal(out.ok, true, out.error?.message);
      assert.equal(out.changed, false);
      assert.deepEqual(out.actions, []);
    });

    it('moves the writer: the old one takes no writes, the new one does', async () => {
      const [a, b, c] = names as [string, string, string];
      const out = await h.adapter.apply(routing(h.nodes, { writers: [b], readers: [a, b, c], epoch: 2 }));
      assert.equal(out.ok, true, out.error?.message);
      assert.equal(out.changed, true);
      assert.deepEqual(sorted(await h.actual()), { writers: [b], readers: [a, b, c] });
    });

    it('takes a node in maintenance out of both pools, and back', async () => {
      const [a, b, c] = names as [string, string, string];
      let out = await h.adapter.apply(routing(h.nodes, { writers: [b], readers: [a, b], maintenance: [c], epoch: 2 }));
      assert.equal(out.ok, true, out.error?.message);
      assert.deepEqual(sorted(await h.actual()), { writers: [b], readers: [a, b] });
      out = await h.adapter.apply(routing(h.nodes, { writers: [b], readers: [a, b, c], epoch: 2 }));
      assert.equal(out.ok, true, out.error?.message);
      assert.deepEqual(sorted(await h.actual()), { writers: [b], readers: [a, b, c] });
    });

    it('leaves no half-applied state when an apply fails', async () => {
      const [a, b, c] = names as [string, string, string];
      const beforeView = sorted(await h.actual());
      const out = await h.adapter.apply(h.breakNextApply(routing(h.nodes, { writers: [c], readers: [a], epoch: 3 })));
      assert.equal(out.ok, false);
      assert.ok(out.error && /^E_/.test(out.error.code), 'a failure carries a stable code');
      assert.deepEqual(sorted(await h.actual()), beforeView);
      // and the next apply of a good decision works
      const again = await h.adapter.apply(routing(h.nodes, { writers: [c], readers: [a, b], epoch: 3 }));
      assert.equal(again.ok, true, again.error?.message);
      assert.deepEqual(sorted(await h.actual()), { writers: [c], readers: [a, b] });
    });
  });
}
