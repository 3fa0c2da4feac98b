// `galera-warden proxysql install` (printing only): the scheduler row's interval follows the config.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, describe, it } from 'node:test';
import { Command } from 'commander';
import { registerProxysql } from './proxysql-command.js';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'gw-install-'));
after(() => fs.rmSync(dir, { recursive: true, force: true }));

async function install(config: string, extra: string[] = []): Promise<string> {
  const file = path.join(dir, 'config.toml');
  fs.writeFileSync(file, config);
  const program = new Command().exitOverride();
  registerProxysql(program);
  const out: string[] = [];
  const write = process.stdout.write.bind(process.stdout);
  process.stdout.write = ((chunk: string | Uint8Array) => { out.push(String(chunk)); return true; });
  try {
    await program.parseAsync(['node', 'gw', 'proxysql', 'install', `--configfile=${file}`, '--node=10.0.0.1:3306', ...extra]);
  } finally {
    process.stdout.write = write;
  }
  return out.join('');
}

const BASE = '[pxccluster]\nhgW = 100\nhgR = 101\n';

describe('proxysql install', () => {
  it('prints the scheduler row every 5000 ms (proxy-oc-tool\'s) with [orchestrator], 2000 ms without; --interval-ms wins', async () => {
    const orc = `${BASE}[cluster]\ntopology = "replication"\n[orchestrator]\nurls = ["http://orc1:3000"]\nclusterHint = "shop"\n`;
    const withOrc = await install(orc);
    assert.match(withOrc, /INSERT INTO scheduler \(id,active,interval_ms,[^)]*\) VALUES \(10,0,5000,/);
    assert.match(withOrc, /--deadline-ms=4800/);
    assert.match(withOrc, /-- \[orchestrator\] http:\/\/orc1:3000 \(cluster shop\): every run polls it once/);
    assert.match(await install(BASE), /VALUES \(10,0,2000,/);
    assert.match(await install(orc, ['--interval-ms=3000']), /VALUES \(10,0,3000,/);
  });
});
