import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { fencingOperative, missingFencingGrants } from './fencing-grants.js';

const TO = 'TO `warden`@`%`';
const privileges = (lines: string[]) => missingFencingGrants(lines).map((m) => m.privilege);

describe('fencing grants (SHOW GRANTS of the probe account)', () => {
  it('PROCESS only: both privileges are missing, each with the GRANT to run for that account', () => {
    const m = missingFencingGrants([`GRANT PROCESS ON *.* ${TO}`]);
    assert.deepEqual(m.map((x) => x.privilege), ['SUPER or SYSTEM_VARIABLES_ADMIN', 'SELECT on mysql.wsrep_cluster_members']);
    assert.deepEqual(m.map((x) => x.grant), ["GRANT SUPER ON *.* TO 'warden'@'%'", "GRANT SELECT ON mysql.wsrep_cluster_members TO 'warden'@'%'"]);
  });

  it('SUPER (or SYSTEM_VARIABLES_ADMIN, in either spelling) on *.* and SELECT on the table, mysql.* or *.* are enough', () => {
    assert.deepEqual(privileges([`GRANT PROCESS, SUPER ON *.* ${TO}`, `GRANT SELECT ON \`mysql\`.\`wsrep_cluster_members\` ${TO}`]), []);
    assert.deepEqual(privileges([`GRANT PROCESS, SYSTEM VARIABLES ADMIN ON *.* ${TO}`, `GRANT SELECT ON \`mysql\`.* ${TO}`]), []);
    assert.deepEqual(privileges([`GRANT SELECT, SYSTEM_VARIABLES_ADMIN ON *.* ${TO}`]), []);
    assert.deepEqual(privileges(['GRANT ALL PRIVILEGES ON *.* TO `root`@`localhost` WITH GRANT OPTION']), []);
  });

  it('grants on the wrong object do not count: SUPER is global only; a column grant or another table is not SELECT on the table', () => {
    assert.deepEqual(privileges([`GRANT PROCESS ON *.* ${TO}`, `GRANT ALL PRIVILEGES ON \`app\`.* ${TO}`]), ['SUPER or SYSTEM_VARIABLES_ADMIN', 'SELECT on mysql.wsrep_cluster_members']);
    assert.deepEqual(privileges([`GRANT SUPER ON *.* ${TO}`, `GRANT SELECT (node_uuid, node_name) ON \`mysql\`.\`wsrep_cluster_members\` ${TO}`]), ['SELECT on mysql.wsrep_cluster_members']);
    assert.deepEqual(privileges([`GRANT SUPER ON *.* ${TO}`, `GRANT SELECT ON \`mysql\`.\`user\` ${TO}`]), ['SELECT on mysql.wsrep_cluster_members']);
  });

  it('the verdict: unknown before any read, inoperative naming the node, the privilege and the GRANT, operative when every known node gives both', () => {
    assert.equal(fencingOperative({ node1: null, node2: null }).operative, null);
    const bad = fencingOperative({ node1: [`GRANT SUPER ON *.* ${TO}`, `GRANT SELECT ON mysql.* ${TO}`], node2: [`GRANT PROCESS ON *.* ${TO}`], node3: null });
    assert.equal(bad.operative, false);
    assert.match(bad.reason ?? '', /lacks SUPER or SYSTEM_VARIABLES_ADMIN \(for SET GLOBAL wsrep_provider_options \(evs.evict\)\) and SELECT on mysql.wsrep_cluster_members .* on node2; run: GRANT SUPER ON \*\.\* TO 'warden'@'%'; GRANT SELECT ON mysql.wsrep_cluster_members TO 'warden'@'%';/);
    assert.deepEqual(bad.missing.map((m) => m.node), ['node2', 'node2']);
    assert.deepEqual(fencingOperative({ node1: [`GRANT SUPER ON *.* ${TO}`, `GRANT SELECT ON mysql.* ${TO}`], node2: null }), { operative: true, reason: null, missing: [] });
  });
});
