// The sandbox itself, against real MariaDB Galera nodes: up, refusal of a second up, crash and IST
// restart, freeze and thaw, down leaving no process behind.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { Sandbox } from '../src/sandbox/sandbox.js';
import { startSandbox, stopSandbox, waitFor } from './support/sandbox-fixture.js';

describe('sandbox (real 3-node MariaDB Galera)', () => {
  let sb: Sandbox | undefined;
  before(async () => {
    sb = await startSandbox(1);
  });
  after(async () => {
    await stopSandbox(sb);
  });

  it('starts three Synced nodes in one Primary component, each on its own ports', async () => {
    const rows = await sb!.status();
    assert.equal(rows.length, 3);
    for (const r of rows) {
      assert.equal(r.process, 'running');
      assert.equal(r.state, 'Synced');
      assert.equal(r.clusterStatus, 'Primary');
      assert.equal(r.clusterSize, 3);
    }
    const ports = sb!.layout.nodes.flatMap((n) => [n.sqlPort, n.gcommPort, n.istPort, n.sstPort]);
    assert.equal(new Set(ports).size, 12);
    assert.match(fs.readFileSync(sb!.configPath, 'utf8'), /port = 30211/);
  });

  it('refuses a second up while the cluster runs, and names the folder', async () => {
    await assert.rejects(Sandbox.up({ dir: sb!.dir, nodes: 3, basePort: 30200 }), (err: Error) => {
      assert.match(err.message, /already running/);
      assert.ok(err.message.includes(sb!.dir));
      return true;
    });
    assert.equal((await sb!.status()).filter((r) => r.process === 'running').length, 3);
  });

  it('replicates writes to every node', async () => {
    await sb!.sql(1, 'CREATE TABLE app.t (id INT PRIMARY KEY, v INT); INSERT INTO app.t VALUES (1, 10)');
    // wsrep_sync_wait: the read waits until the node has applied what the cluster committed before it
    for (const i of [2, 3]) assert.deepEqual(await sb!.sql(i, 'SET SESSION wsrep_sync_wait = 1; SELECT v FROM app.t WHERE id = 1'), [['10']]);
  });

  it('a SIGKILLed node restarts from its recovered position and rejoins by IST, not SST', async () => {
    sb!.kill(3);
    await waitFor('node3 to exit', 60_000, async () => ((await sb!.status())[2]!.process === 'stopped' ? true : undefined));
    await waitFor('survivors to re-form at size 2', 90_000, async () => {
      const rows = await sb!.status();
      return rows[0]!.clusterSize === 2 && rows[1]!.clusterSize === 2 ? true : undefined;
    });
    await sb!.sql(1, 'INSERT INTO app.t VALUES (2, 20)');
    await sb!.start(3);
    const log = fs.readFileSync(path.join(sb!.node(3).dir, 'error.log'), 'utf8');
    assert.match(log, /--wsrep-start-position|Receiving IST/);
    assert.match(log.slice(log.lastIndexOf('Shifting CLOSED -> OPEN')), /Receiving IST: \d+ writesets/);
    assert.deepEqual(await sb!.sql(3, 'SELECT v FROM app.t WHERE id = 2'), [['20']]);
  });

  it('freeze stops the process (SIGSTOP) and thaw resumes it', async () => {
    sb!.freeze(2);
    await waitFor('node2 to be stopped by SIGSTOP', 30_000, async () => ((await sb!.status())[1]!.process === 'frozen' ? true : undefined));
    sb!.thaw(2);
    await waitFor('node2 to run again after SIGCONT', 30_000, async () => ((await sb!.status())[1]!.process === 'running' ? true : undefined));
    await sb!.waitSynced(2, 120_000);
  });

  it('isolate needs network-namespace mode and says so', async () => {
    await assert.rejects(sb!.isolate(1), /network-namespace mode/);
  });

  it('down leaves no mariadbd process of the sandbox behind', async () => {
    const pids = (await sb!.status()).map((r) => r.pid).filter((p): p is number => p !== undefined);
    assert.equal(pids.length, 3);
    await sb!.down();
    for (const pid of pids) assert.equal(fs.existsSync(`/proc/${pid}`) && !fs.readFileSync(`/proc/${pid}/stat`, 'utf8').includes(') Z'), false);
    assert.equal(Sandbox.open(sb!.dir), undefined);
    fs.rmSync(sb!.dir, { recursive: true, force: true });
    sb = undefined;
  });
});
