// galera-warden-scheduler as ProxySQL's scheduler starts it (dist/src/cli/scheduler-launch.cjs, a process per run),
// against the ProxySQL admin double and fake nodes: the bundle is split in two by `npm run build`
// (scripts/bundle-scheduler.mjs). A normal run reads only the main bundle (the errors it meets, the probe's refused
// access check among them, are named without scheduler-error-names.txt); what it never runs is in scheduler-extra.cjs, which the launcher loads on first use: mysql2
// for a connection the lean client hands over (here a probe with TLS), and the [orchestrator] poll (with zod).
// A preloaded hook reports every read of the two side files. Ports 22440-22449.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, afterEach, before, beforeEach, describe, it } from 'node:test';
import { FakeProxySqlAdmin } from '../src/apply/proxysql/testing/fake-proxysql-admin.js';
import { seedExample } from '../src/apply/proxysql/testing/seed-example.js';
import { FakeOrchestrator } from '../src/observe/orchestrator/testing/fake-orchestrator.js';
import { FakeGaleraServer } from '../src/observe/testing/fake-galera-server.js';
import { runNodeScript } from './support/cli-process.js';
import { GENEROUS_DEADLINE, writePxcConfig } from './support/proxysql-scheduler-process.js';

const PORT = 22440;
const CLI_DIR = fileURLToPath(new URL('../src/cli/', import.meta.url));
const LAUNCHER = path.join(CLI_DIR, 'scheduler-launch.cjs');
const bundled = fs.existsSync(path.join(CLI_DIR, 'scheduler-bundle.cjs'));

// prints "READ <file>" for each read of the side files (the launcher and the bundle use fs.readFileSync)
const HOOK = `const fs = require('node:fs');
const read = fs.readFileSync;
fs.readFileSync = function (f, ...a) {
  if (typeof f === 'string' && /scheduler-(extra\\.cjs|error-names\\.txt)$/.test(f)) process.stderr.write('READ ' + require('node:path').basename(f) + '\\n');
  return read.call(this, f, ...a);
};
`;

interface Run {
  code: number | null;
  out: string;
  lines: Record<string, unknown>[];
  reads: string[];
}

const statusOf = (r: Run): unknown => r.lines.map((l) => l.status).filter((x) => x !== undefined).pop();

describe('the scheduler bundle and its second file (galera-warden-scheduler processes, admin double, fake nodes)', { skip: bundled ? false : 'no bundle (npm run build makes it)' }, () => {
  let nodes: FakeGaleraServer[] = [];
  let admin: FakeProxySqlAdmin;
  let dir: string;
  let hook: string;

  const run = async (config: string): Promise<Run> => {
    const r = await runNodeScript(LAUNCHER, [`--configfile=${path.basename(config)}`, `--configpath=${path.dirname(config)}`, GENEROUS_DEADLINE], 30_000, ['-r', hook]);
    const out = `${r.stdout}\n${r.stderr}`;
    return {
      code: r.code, out,
      lines: out.split('\n').filter((l) => l.startsWith('{')).map((l) => JSON.parse(l) as Record<string, unknown>),
      reads: out.split('\n').filter((l) => l.startsWith('READ ')).map((l) => l.slice(5)),
    };
  };

  before(async () => {
    nodes = [await FakeGaleraServer.start({}, PORT), await FakeGaleraServer.start({}, PORT + 1), await FakeGaleraServer.start({}, PORT + 2)];
  });
  after(async () => {
    for (const n of nodes) await n.close();
  });
  beforeEach(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'gw-bundle-'));
    hook = path.join(dir, 'read-hook.cjs');
    fs.writeFileSync(hook, HOOK);
    admin = await FakeProxySqlAdmin.start({ monitorUser: 'warden', port: PORT + 3 });
    seedExample({ exec: (...s: string[]) => admin.exec(...s) }, { writer: 100, reader: 101 }, nodes.map((n) => ({ host: n.host, port: n.port })));
  });
  afterEach(async () => {
    await admin.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('a run reads the main bundle only: scheduler-extra.cjs and scheduler-error-names.txt stay unread', async () => {
    const config = writePxcConfig({ dir, adminPort: admin.port });
    const first = await run(config);
    assert.equal(first.code, 0, first.out);
    assert.equal(statusOf(first), 'applied', first.out);
    const second = await run(config);
    assert.equal(second.code, 0, second.out);
    assert.equal(statusOf(second), 'unchanged', second.out);
    for (const r of [first, second]) assert.deepEqual(r.reads, [], r.out);
  });

  it('a probe with TLS goes to mysql2, loaded from scheduler-extra.cjs: the nodes (no TLS) are out with PROBE_TLS', async () => {
    fs.writeFileSync(path.join(dir, 'ca.pem'), 'not read: the fake nodes do not offer TLS\n');
    const config = writePxcConfig({ dir, adminPort: admin.port, extra: 'sslCa = "ca.pem"\n' });
    const r = await run(config);
    assert.equal(r.code, 0, r.out);
    assert.ok(r.reads.includes('scheduler-extra.cjs'), r.out);
    for (const n of nodes) {
      const about = r.lines.filter((l) => l.node === `127.0.0.1:${n.port}`);
      assert.ok(about.length > 0 && about.every((l) => (l.reasons as string[]).includes('PROBE_TLS')), r.out);
    }
  });

  it('[orchestrator]: the poll (and zod) come from scheduler-extra.cjs; the leader is seen', async () => {
    for (const i of [1, 2]) {
      nodes[i]!.state.variables.read_only = 'ON';
      nodes[i]!.state.slaveStatus = { Master_Host: '127.0.0.1', Master_Port: String(nodes[0]!.port), Slave_IO_Running: 'Yes', Slave_SQL_Running: 'Yes', Seconds_Behind_Master: '0', Last_IO_Error: '', Last_SQL_Error: '' };
    }
    const orc = await FakeOrchestrator.start({ members: 1, forwardTimeoutMs: 100, basePort: PORT + 5 });
    try {
      const key = (i: number) => `127.0.0.1:${nodes[i]!.port}`;
      orc.topology.add({ host: '127.0.0.1', port: nodes[0]!.port, master: null, readOnly: false });
      for (const i of [1, 2]) orc.topology.add({ host: '127.0.0.1', port: nodes[i]!.port, master: key(0), readOnly: true, lagSeconds: 0 });
      orc.topology.setAlias('c1', key(0));
      const config = writePxcConfig({
        dir, adminPort: admin.port,
        extra: `writerIsAlsoReader = false\n[cluster]\ntopology = "replication"\n[orchestrator]\nurls = [${orc.urls.map((u) => `"${u}"`).join(', ')}]\nclusterHint = "c1"\ntimeoutMs = 1000\n`,
      });
      fs.writeFileSync(config, fs.readFileSync(config, 'utf8').replace('logLevel = "info"', 'logLevel = "debug"'));
      const r = await run(config);
      assert.equal(r.code, 0, r.out);
      assert.ok(r.reads.includes('scheduler-extra.cjs'), r.out);
      assert.ok(r.lines.some((l) => typeof l.msg === 'string' && l.msg.startsWith('orchestrator: leader ')), r.out);
    } finally {
      await orc.close();
      for (const i of [1, 2]) {
        nodes[i]!.state.variables.read_only = 'OFF';
        nodes[i]!.state.slaveStatus = undefined;
      }
    }
  });
});
