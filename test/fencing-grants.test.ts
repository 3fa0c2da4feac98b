// Fencing that cannot work says so, against a real 3-node sandbox (slot 8): with `[fencing] mode = "dead"` and
// a probe account that has PROCESS only, the warden logs an error naming the missing privileges and the GRANT
// statements to run, and /api/cluster, the metrics and `status` say "inoperative". After the GRANTs, the next
// reconnect reads the grants again and fencing is operative.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { Sandbox } from '../src/sandbox/sandbox.js';
import { runCli } from './support/cli-process.js';
import { startSandbox, stopSandbox, waitFor } from './support/sandbox-fixture.js';
import type { WardenProcess } from './support/warden-process.js';
import { startWarden, writeConfig } from './support/warden-process.js';

const SLOT = 8;
const API_PORT = 31790;
const AUTH = 'Basic ' + Buffer.from('admin:grants-test').toString('base64');

interface Fencing { mode: string; operative: boolean | null; inoperativeReason: string | null }

describe('fencing with a least-privilege probe account (real 3-node Galera)', () => {
  let sb: Sandbox | undefined;
  let warden: WardenProcess | undefined;
  let config = '';

  const api = async (p: string) => fetch(`http://127.0.0.1:${API_PORT}${p}`, { headers: { authorization: AUTH } });
  const fencing = async (): Promise<Fencing | null> => ((await (await api('/api/cluster')).json()) as { fencing: Fencing | null }).fencing;
  const metric = async (): Promise<string | undefined> => /^galera_warden_fencing_operative\{mode="dead"\} (\d)$/m.exec(await (await api('/metrics')).text())?.[1];

  before(async () => {
    sb = await startSandbox(SLOT);
    await sb.sql(1, "CREATE USER 'fencelow'@'%' IDENTIFIED BY 'low-pw'");
    await sb.sql(1, "GRANT PROCESS ON *.* TO 'fencelow'@'%'");
    const passwordFile = path.join(sb.dir, 'fencelow.password');
    fs.writeFileSync(passwordFile, 'low-pw\n', { mode: 0o600 });
    const base = fs.readFileSync(sb.configPath, 'utf8')
      .replace('user = "warden"', 'user = "fencelow"')
      .replace(/passwordFile = ".*"/, `passwordFile = "${passwordFile}"`);
    // the sandbox's config has its own [run] table (its state file): merge, never append a second one
    const lowBase = path.join(sb.dir, 'fencing-grants-base.toml');
    fs.writeFileSync(lowBase, base);
    config = writeConfig(lowBase, `
[run]
intervalMs = 200

[proxy]
host = "127.0.0.1"
writerPort = ${API_PORT + 4}
readerPort = ${API_PORT + 5}
healthPort = ${API_PORT + 6}

[api]
host = "127.0.0.1"
port = ${API_PORT}
user = "admin"
password = "grants-test"

[fencing]
mode = "dead"
`, path.join(sb.dir, 'fencing-grants.toml'));
  });

  after(async () => {
    await warden?.stop('SIGKILL');
    await stopSandbox(sb);
  });

  it('PROCESS only: an error log with the GRANTs to run; "inoperative" in /api/cluster, the metrics and status', async () => {
    warden = startWarden(config);
    const f = await waitFor('fencing to be judged inoperative', 60_000, async () => {
      const v = await fencing();
      return v?.operative === false ? v : undefined;
    }, 200);
    assert.equal(f.mode, 'dead');
    assert.match(f.inoperativeReason ?? '', /lacks SUPER or SYSTEM_VARIABLES_ADMIN .* and SELECT on mysql\.wsrep_cluster_members/);
    assert.match(f.inoperativeReason ?? '', /GRANT SUPER ON \*\.\* TO 'fencelow'@'%'; GRANT SELECT ON mysql\.wsrep_cluster_members TO 'fencelow'@'%';/);
    assert.equal(await metric(), '0');
    const logged = await waitFor('the error log', 10_000, () => warden!.logs.find((l) => l.level === 50 && /fencing is inoperative/.test(String(l.msg))));
    assert.match(String(logged.msg), /GRANT SUPER ON \*\.\* TO 'fencelow'@'%'/);
    const status = await runCli(['status', '--config', config], 60_000);
    assert.equal(status.code, 0, status.stderr);
    assert.match(status.stdout, /fencing: inoperative \(the probe account lacks SUPER or SYSTEM_VARIABLES_ADMIN .*GRANT SUPER ON \*\.\* TO 'fencelow'@'%'/);
  });

  it('after the GRANTs, the next reconnect reads the grants again: operative', async () => {
    await sb!.sql(1, "GRANT SUPER ON *.* TO 'fencelow'@'%'");
    await sb!.sql(1, "GRANT SELECT ON mysql.wsrep_cluster_members TO 'fencelow'@'%'");
    // the warden keeps its probe sessions: end them on every node, so that it reconnects
    for (const i of [1, 2, 3]) {
      for (const [id] of await sb!.sql(i, "SELECT id FROM information_schema.processlist WHERE user = 'fencelow'")) {
        await sb!.sql(i, `KILL ${Number(id)}`).catch(() => undefined);
      }
    }
    await waitFor('fencing to be operative', 60_000, async () => ((await fencing())?.operative === true ? true : undefined), 200);
    assert.equal((await fencing())?.inoperativeReason, null);
    assert.equal(await metric(), '1');
    assert.ok(warden!.logs.some((l) => /fencing is operative/.test(String(l.msg))));
    const status = await runCli(['status', '--config', config], 60_000);
    assert.match(status.stdout, /fencing: dead, operative/);
  });

  it('stops cleanly', async () => {
    assert.equal(await warden!.stop('SIGTERM'), 0);
  });
});
