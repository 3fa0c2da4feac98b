// Two sandboxes created at the same moment, in different folders and port ranges (slot 9: bases 31800 and
// 31900), both come up as separate clusters. They used to share mariadbd's default tmpdir (/tmp): every
// mariadbd that starts deletes the `#sql*` files in its tmpdir, including the temporary tables of another
// sandbox's `mariadb-install-db`, which then failed ("Unknown table 'mysql.tmp_user_sys'").
// In network-namespace mode the device names derive from the subnet: a second sandbox on a subnet in use
// is refused and leaves the first one's network alone (it used to tear it down and build its own).
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { planLayout } from '../src/sandbox/layout.js';
import { assertNetworkFree, createNetwork, destroyNetwork } from '../src/sandbox/netns.js';
import { Sandbox } from '../src/sandbox/sandbox.js';
import { run } from '../src/sandbox/shell.js';
import { startSandbox, stopSandbox, waitFor } from './support/sandbox-fixture.js';

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

describe('network-namespace mode: a subnet in use by another sandbox', () => {
  const dirs = [0, 1].map(() => fs.mkdtempSync(path.join(os.tmpdir(), `gw-test-${SLOT}-netns-`)));
  // the first sandbox's network, with a process inside (as its mariadbd would be)
  const first = planLayout({ dir: dirs[0]!, nodes: 2, basePort: 30000 + 200 * SLOT + 50, mode: 'netns', tls: false, subnet: 100 + SLOT });
  let sleeper: number | undefined;
  const namespaces = async () => (await run('ip', ['netns', 'list'])).stdout;

  before(async () => {
    await createNetwork(first);
    const child = spawn('ip', ['netns', 'exec', first.nodes[0]!.netns!, 'sleep', '600'], { stdio: 'ignore', detached: true });
    child.unref();
    sleeper = child.pid;
    await waitFor('a process inside the first namespace', 30_000, async () => ((await run('ip', ['netns', 'pids', first.nodes[0]!.netns!])).stdout.trim() !== '' ? true : undefined));
  });
  after(async () => {
    if (sleeper !== undefined) process.kill(sleeper, 'SIGKILL');
    await Sandbox.open(dirs[1]!)?.down();
    await destroyNetwork(first);
    for (const d of dirs) fs.rmSync(d, { recursive: true, force: true });
  });

  it('is refused, naming the namespace and the pid, and the first network stays as it was', async () => {
    const before = await namespaces();
    await assert.rejects(Sandbox.up({ dir: dirs[1]!, nodes: 2, basePort: first.basePort, mode: 'netns', subnet: 100 + SLOT }), (err: Error) => {
      assert.match(err.message, new RegExp(`${first.nodes[0]!.netns} \\(subnet 10\\.213\\.${100 + SLOT}\\.0/24\\) is in use by another sandbox \\(pid ${sleeper}\\)`));
      assert.match(err.message, /--subnet/);
      return true;
    });
    assert.equal(await namespaces(), before);
    assert.equal(fs.existsSync(`/proc/${sleeper}`), true, 'the process in the first namespace is still there');
  });

  it('namespaces with nothing running in them (a sandbox that is gone) do not count', async () => {
    process.kill(sleeper!, 'SIGKILL');
    await waitFor('the first namespace to be empty', 30_000, async () => ((await run('ip', ['netns', 'pids', first.nodes[0]!.netns!])).stdout.trim() === '' ? true : undefined));
    sleeper = undefined;
    await assertNetworkFree(first);
  });
});
