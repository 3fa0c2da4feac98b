import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  parseBool,
  parseIndex,
  parseList,
  parseMaintMode,
  parseMembers,
  parseNodeStatus,
  parseRejectQueries,
  parseSegment,
  toVariableMap,
} from './parse-status.js';
import { MARIADB_VARIABLES, SYNCED_PRIMARY_STATUS } from './testing/fake-galera-server.js';

const map = (o: Record<string, string>) => toVariableMap(Object.entries(o));

describe('parse-status', () => {
  it('reads a Synced Primary MariaDB node', () => {
    const s = parseNodeStatus(map(SYNCED_PRIMARY_STATUS), map(MARIADB_VARIABLES), { ok: true });
    assert.equal(s.localState, 4);
    assert.equal(s.localStateComment, 'Synced');
    assert.equal(s.clusterStatus, 'Primary');
    assert.equal(s.ready, true);
    assert.equal(s.connected, true);
    assert.equal(s.rejectQueries, 'NONE');
    assert.equal(s.pxcMaintMode, 'DISABLED', 'MariaDB has no pxc_maint_mode');
    assert.equal(s.segment, 0);
    assert.equal(s.clusterSize, 3);
    assert.equal(s.clusterConfId, 7);
    assert.deepEqual(s.incomingAddresses, ['127.0.0.1:3306', '127.0.0.2:3306', '127.0.0.3:3306']);
    assert.deepEqual(s.evsDelayed, []);
    assert.equal(s.wsrepOn, true);
    assert.equal(s.version, '10.11.18-MariaDB-fake');
    assert.equal('members' in s, false);
  });

  it('reads a server without Galera as wsrep off, Disconnected, state 0', () => {
    const s = parseNodeStatus(new Map(), map({ read_only: 'OFF', version: '8.0.36' }), { ok: true });
    assert.equal(s.wsrepOn, false);
    assert.equal(s.localState, 0);
    assert.equal(s.clusterStatus, 'Disconnected');
    assert.equal(s.localIndex, -1);
  });

  it('variable names are matched case-insensitively and NULL values read as empty', () => {
    const m = toVariableMap([['WSREP_READY', 'ON'], ['wsrep_evs_delayed', null], ['junk'], 42]);
    assert.equal(m.get('wsrep_ready'), 'ON');
    assert.equal(m.get('wsrep_evs_delayed'), '');
    assert.equal(m.size, 2);
  });

  it('booleans, lists and Galera "none" indexes', () => {
    for (const v of ['ON', 'on', '1', 'YES', 'true']) assert.equal(parseBool(v), true, v);
    for (const v of ['OFF', '0', '', 'NO', undefined]) assert.equal(parseBool(v), false, String(v));
    assert.deepEqual(parseList(' a , b,,c '), ['a', 'b', 'c']);
    assert.deepEqual(parseList(''), []);
    assert.equal(parseIndex('18446744073709551615'), -1);
    assert.equal(parseIndex('2'), 2);
    assert.equal(parseIndex(undefined), -1);
  });

  it('wsrep_reject_queries: empty is NONE, unknown values count as ALL', () => {
    assert.equal(parseRejectQueries(''), 'NONE');
    assert.equal(parseRejectQueries(undefined), 'NONE');
    assert.equal(parseRejectQueries('all_kill'), 'ALL_KILL');
    assert.equal(parseRejectQueries('SOMETHING'), 'ALL');
  });

  it('pxc_maint_mode: absent is DISABLED, unknown counts as MAINTENANCE', () => {
    assert.equal(parseMaintMode(undefined), 'DISABLED');
    assert.equal(parseMaintMode('SHUTDOWN'), 'SHUTDOWN');
    assert.equal(parseMaintMode('odd'), 'MAINTENANCE');
  });

  it('gmcast.segment from wsrep_provider_options', () => {
    assert.equal(parseSegment('base_port = 4567; gmcast.segment = 3; gmcast.version = 0'), 3);
    assert.equal(parseSegment('gmcast.segment=2'), 2);
    assert.equal(parseSegment('gmcast.segment_x = 5; pc.weight = 1'), 0);
    assert.equal(parseSegment(''), 0);
    assert.equal(parseSegment(MARIADB_VARIABLES.wsrep_provider_options), 0);
  });

  it('members rows', () => {
    assert.deepEqual(parseMembers([['u1', 'n1', '10.0.0.1:3306'], ['u2', null, 'AUTO'], ['short']]), [
      { uuid: 'u1', name: 'n1', address: '10.0.0.1:3306' },
      { uuid: 'u2', name: '', address: 'AUTO' },
    ]);
  });
});
