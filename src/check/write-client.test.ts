// The write client's outcomes against a fake server (the acknowledged case runs against real Galera in
// test/peers.test.ts): a server error is failed, no answer or a lost connection is unknown, no connection is failed.
import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { FakeGaleraServer } from '../observe/testing/fake-galera-server.js';
import type { Operation } from './history.js';
import { WriteClient } from './write-client.js';

const servers: FakeGaleraServer[] = [];
after(async () => {
  for (const s of servers) await s.close();
});

async function run(fake: FakeGaleraServer | { port: number }, until: (ops: Operation[]) => boolean): Promise<Operation[]> {
  const c = new WriteClient({
    routers: [{ name: 'r', host: '127.0.0.1', port: fake.port }], clientsPerRouter: 1, user: 'app', password: 'x', table: 'app.t',
    everyMs: 5, connectTimeoutMs: 500, writeTimeoutMs: 200, runId: 'unit',
  });
  c.start();
  const deadline = Date.now() + 20_000;
  while (!until(c.history()) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
  return c.stop();
}

describe('write client outcomes', () => {
  it('a server error is failed, with the error; ids are unique and times ordered', async () => {
    const fake = await FakeGaleraServer.start({ user: 'app' });
    servers.push(fake);
    const ops = await run(fake, (o) => o.length >= 3);
    assert.ok(ops.length >= 3);
    for (const o of ops) {
      assert.equal(o.outcome, 'failed');
      assert.match(o.error!, /syntax/);
      assert.ok(o.completeAt >= o.invokeAt);
      assert.equal(o.router, 'r');
    }
    assert.equal(new Set(ops.map((o) => o.id)).size, ops.length);
    assert.match(fake.queries.find((q) => q.startsWith('START TRANSACTION'))!, /INSERT INTO app\.t .* SELECT 'unit-r_0-0', 'r#0', 'r', @@wsrep_node_name/);
  });

  it('no answer within the write timeout, or a connection lost mid-write, is unknown', async () => {
    const hang = await FakeGaleraServer.start({ user: 'app', hangOn: /INSERT/ });
    servers.push(hang);
    const hung = await run(hang, (o) => o.length >= 1);
    assert.equal(hung[0]!.outcome, 'unknown');
    assert.match(hung[0]!.error!, /no answer within 200 ms/);
    const drop = await FakeGaleraServer.start({ user: 'app' });
    servers.push(drop);
    drop.dropNextStatement();
    const dropped = await run(drop, (o) => o.length >= 2);
    assert.equal(dropped[0]!.outcome, 'unknown');
    assert.equal(dropped[1]!.outcome, 'failed', 'the next write reconnects and gets an answer');
  });

  it('no connection is failed (never sent)', async () => {
    const gone = await FakeGaleraServer.start({ user: 'app' });
    const port = gone.port;
    await gone.close();
    const ops = await run({ port }, (o) => o.length >= 2);
    assert.ok(ops.every((o) => o.outcome === 'failed' && /^connect:/.test(o.error!)));
  });
});
