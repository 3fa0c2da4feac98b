import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { desiredRows, everyCoreGone, parseRows, podSetKey, rewriteStatements, sameRows } from './cluster-rows.js';
import type { PodInfo } from './pod-watcher.js';
import { quote } from '../apply/proxysql/admin-client.js';

const pod = (name: string, ip: string | undefined, ready = true, deleting = false): PodInfo => ({ name, ip, ready, deleting });

describe('cluster rows', () => {
  it('desired rows: only ready, not deleting, with an IP; sorted; pod name as comment', () => {
    const rows = desiredRows([pod('c2', '10.0.0.2'), pod('c1', '10.0.0.1'), pod('c3', '10.0.0.3', false), pod('c4', '10.0.0.4', true, true), pod('c5', undefined)], 6032);
    assert.deepEqual(rows, [{ hostname: '10.0.0.1', port: 6032, weight: 0, comment: 'c1' }, { hostname: '10.0.0.2', port: 6032, weight: 0, comment: 'c2' }]);
  });

  it('sameRows ignores order and sees every field; parseRows reads admin strings', () => {
    const a = parseRows([{ hostname: '10.0.0.2', port: '6032', weight: '0', comment: 'c2' }, { hostname: '10.0.0.1', port: '6032', weight: '0', comment: 'c1' }]);
    assert.equal(sameRows(a, desiredRows([pod('c1', '10.0.0.1'), pod('c2', '10.0.0.2')], 6032)), true);
    assert.equal(sameRows(a, desiredRows([pod('c1', '10.0.0.1'), pod('cX', '10.0.0.2')], 6032)), false);
    assert.equal(sameRows(a, desiredRows([pod('c1', '10.0.0.1')], 6032)), false);
    fc.assert(fc.property(fc.uniqueArray(fc.ipV4(), { maxLength: 6 }), (ips) => {
      const pods = ips.map((ip, i) => pod(`p${i}`, ip));
      return sameRows(desiredRows(pods, 6032), desiredRows([...pods].reverse(), 6032));
    }));
  });

  it('podSetKey changes when a serving satellite comes or goes, not when an unready one does', () => {
    const k = podSetKey([pod('s1', '10.1.0.1'), pod('s2', '10.1.0.2')]);
    assert.equal(podSetKey([pod('s2', '10.1.0.2'), pod('s1', '10.1.0.1'), pod('s3', '10.1.0.3', false)]), k);
    assert.notEqual(podSetKey([pod('s1', '10.1.0.1')]), k);
  });

  it('everyCoreGone: stale metrics AND not a serving pod, for every row', () => {
    const rows = parseRows([{ hostname: '10.0.0.1', port: '6032', weight: '0', comment: '' }, { hostname: '10.0.0.2', port: '6032', weight: '0', comment: '' }]);
    const fresh = { hostname: '10.0.0.1', port: 6032, lastCheckMs: 500, uptimeS: 100 };
    const stale = { hostname: '10.0.0.2', port: 6032, lastCheckMs: 60_000, uptimeS: 100 };
    assert.equal(everyCoreGone(rows, [fresh, stale], new Set(), 30_000), false);
    assert.equal(everyCoreGone(rows, [{ ...fresh, lastCheckMs: 40_000 }, stale], new Set(), 30_000), true);
    assert.equal(everyCoreGone(rows, [{ ...fresh, uptimeS: 0, lastCheckMs: 1 }, stale], new Set(), 30_000), true, 'never reached');
    assert.equal(everyCoreGone(rows, [], new Set(['10.0.0.2']), 30_000), false, 'a serving core pod is not gone');
    assert.equal(everyCoreGone([], [], new Set(), 30_000), true);
  });

  it('rewrite statements quote values and end with LOAD + SAVE', () => {
    const s = rewriteStatements([{ hostname: '10.0.0.1', port: 6032, weight: 0, comment: "it's" }], quote);
    assert.deepEqual(s, ['DELETE FROM proxysql_servers', "INSERT INTO proxysql_servers (hostname, port, weight, comment) VALUES ('10.0.0.1', 6032, 0, 'it''s')", 'LOAD PROXYSQL SERVERS TO RUNTIME', 'SAVE PROXYSQL SERVERS TO DISK']);
  });
});
