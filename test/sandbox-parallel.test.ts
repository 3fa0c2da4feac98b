// Two sandboxes created at the same moment, in different folders and port ranges (slot 9: bases 31800 and
// 31900), both come up as separate clusters. They used to share mariadbd's default tmpdir (/tmp): every
// mariadbd that starts deletes the `#sql*` files in its tmpdir, including the temporary tables of another
// sandbox's `mariadb-install-db`, which then failed ("Unknown table 'mysql.tmp_user_sys'").
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Sandbox } from '../src/sandbox/sandbox.js';
import { startSandbox, stopSandbox } from './support/sandbox-fixture.js';

const SLOT = 9;
const BASE_PORTS = [30000 + 200 * SLOT, 30000 + 200 * SLOT + 100];

async function statusOf(sb: Sandbox, index: number): Promise<Record<string, string | undefined>> {
  const rows = await sb.sql(index, "SHOW GLOBAL STATUS WHERE Variable_name IN ('wsrep_local_state_comment', 'wsrep_cluster_size', 'wsrep_cluster_state_uuid', 'wsrep_cluster_status')");
  return Object.fromEntries(rows.map((r) => [r[0] ?? '', r[1]]));
}

describe('two sandboxes started at the same moment', () => {
  const sandboxes: Sandbox[] = [];
  before(async () => {
    const started = Date.now();
    const results = await Promise.allSettled(BASE_PORTS.map((basePort) => startSandbox(SLOT, { basePort })));
    for (const r of results) if (r.status === 'fulfilled') sandboxes.push(r.value);
    const failed = results.filter((r): r is PromiseRejectedResult => r.status === 'rejected');
    if (failed.length > 0) throw failed[0]!.reason;
    process.stdout.write(`# both sandboxes up in ${((Date.now() - started) / 1000).toFixed(1)} s\n`);
  });
  after(async () => {
    await Promise.all(sandboxes.map((sb) => stopSandbox(sb)));
  });

  it('both come up: every node Synced in a Primary component of 3', async () => {
    assert.equal(sandboxes.length, 2);
    for (const sb of sandboxes) {
      for (const n of sb.layout.nodes) {
        const s = await statusOf(sb, n.index);
        const where = `${sb.dir} ${n.name}`;
        assert.equal(s.wsrep_local_state_comment, 'Synced', where);
        assert.equal(s.wsrep_cluster_status, 'Primary', where);
        assert.equal(s.wsrep_cluster_size, '3', where);
      }
    }
  });

  it('they are two clusters: one state uuid shared inside each, distinct between them', async () => {
    const uuids: string[] = [];
    for (const sb of sandboxes) {
      const mine = new Set<string | undefined>();
      for (const n of sb.layout.nodes) mine.add((await statusOf(sb, n.index)).wsrep_cluster_state_uuid);
      assert.equal(mine.size, 1, `${sb.dir}: ${[...mine].join(', ')}`);
      const [uuid] = [...mine];
      assert.match(uuid ?? '', /^[0-9a-f-]{36}$/);
      uuids.push(uuid!);
    }
    assert.notEqual(uuids[0], uuids[1]);
  });

  it('a write in one cluster never shows in the other', async () => {
    const [a, b] = sandboxes as [Sandbox, Sandbox];
    await a.sql(1, 'CREATE TABLE app.which (name VARCHAR(8) PRIMARY KEY)');
    await a.sql(1, "INSERT INTO app.which VALUES ('a')");
    await b.sql(1, 'CREATE TABLE app.which (name VARCHAR(8) PRIMARY KEY)');
    await b.sql(1, "INSERT INTO app.which VALUES ('b')");
    // wsrep_sync_wait: the read waits until the node has applied every write the cluster committed before it
    const read = 'SET SESSION wsrep_sync_wait = 1; SELECT name FROM app.which';
    for (const i of [2, 3]) {
      assert.deepEqual(await a.sql(i, read), [['a']]);
      assert.deepEqual(await b.sql(i, read), [['b']]);
    }
  });

  it('every node keeps its temporary files in its own folder, not in a tmpdir the sandboxes share', async () => {
    const tmpdirs: string[] = [];
    for (const sb of sandboxes) {
      for (const n of sb.layout.nodes) {
        const [[tmpdir]] = (await sb.sql(n.index, 'SELECT @@tmpdir')) as [[string]];
        assert.ok(tmpdir.startsWith(`${n.dir}/`), `${sb.dir} ${n.name}: tmpdir ${tmpdir}`);
        tmpdirs.push(tmpdir);
      }
    }
    assert.equal(new Set(tmpdirs).size, 6);
  });
});
