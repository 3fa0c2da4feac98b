// Both config readers (pxcScheduler's config.toml and [proxysql] of galera-warden.toml) reject the same hostgroup
// for writers and readers, naming both keys (issue 10.8: every node would be ONLINE in the writer hostgroup).
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseConfig } from './load-config.js';
import { hostgroupClashes, parsePxcSchedulerConfig } from './pxc-scheduler-config.js';

const pxc = (hgW: number, hgR: number, extra = '') => `[proxysql]\nhost = "127.0.0.1"\nport = 6032\nuser = "admin"\npassword = "admin"\n[pxccluster]\nhgW = ${hgW}\nhgR = ${hgR}\nclusterId = 10\n${extra}`;
const daemon = (hgW: number, hgR: number) => `[cluster]\nname = "c"\n[credentials]\nuser = "u"\npassword = "p"\n[[nodes]]\nname = "a"\nhost = "h"\n[proxysql]\nenabled = true\npassword = "admin"\nhgW = ${hgW}\nhgR = ${hgR}\n`;

describe('hostgroups must differ', () => {
  it('scheduler config: hgW = hgR is rejected naming pxccluster.hgW and pxccluster.hgR', () => {
    assert.throws(() => parsePxcSchedulerConfig(pxc(100, 100), '/etc/gw/config.toml'), (e: Error) => /pxccluster\.hgW and pxccluster\.hgR: both are hostgroup 100/.test(e.message));
    assert.throws(() => parsePxcSchedulerConfig(pxc(100, 200, 'bckHgR = 100\n'), '/etc/gw/config.toml'), /pxccluster\.hgW and pxccluster\.bckHgR: both are hostgroup 100/);
    assert.doesNotThrow(() => parsePxcSchedulerConfig(pxc(100, 101), '/etc/gw/config.toml'));
  });

  it('daemon config: [proxysql] hgW = hgR is rejected naming proxysql.hgW and proxysql.hgR', async () => {
    await assert.rejects(parseConfig(daemon(10, 10), '/tmp/gw.toml'), (e: Error) => /proxysql\.hgW and proxysql\.hgR: both are hostgroup 10/.test(e.message));
    await assert.rejects(parseConfig(daemon(10, 9010), '/tmp/gw.toml'), /proxysql\.hgR and proxysql\.hgW \+ 9000 \(maintenance\): both are hostgroup 9010/);
    const ok = await parseConfig(daemon(10, 20), '/tmp/gw.toml');
    assert.equal(ok.proxysql.clustered, false);
  });

  it('no clash, no line', () => {
    assert.deepEqual(hostgroupClashes({ hgW: 1, hgR: 2 }, 'x'), []);
  });
});
