import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseReplicationStatus } from './read-replication-status.js';

void test('replication status: a running replica: threads, lag, GTID position, master', () => {
  const s = parseReplicationStatus([['1', '0-1-42']], [{ Master_Host: '127.0.0.1', Master_Port: 27411, Slave_IO_Running: 'Yes', Slave_SQL_Running: 'Yes', Seconds_Behind_Master: 3, Last_IO_Error: '', Last_SQL_Error: '' }]);
  assert.deepEqual(s, { readOnly: true, ioRunning: 'Yes', sqlRunning: 'Yes', secondsBehindMaster: 3, gtidPosition: '0-1-42', master: { host: '127.0.0.1', port: 27411 }, lastError: '' });
});

void test('replication status: a primary has no slave row: no master, no lag, threads ""', () => {
  assert.deepEqual(parseReplicationStatus([['0', '0-2-9']], []), { readOnly: false, ioRunning: '', sqlRunning: '', secondsBehindMaster: null, gtidPosition: '0-2-9', master: null, lastError: '' });
});

void test('replication status: stopped threads give a NULL lag and the error', () => {
  const s = parseReplicationStatus([['1', '']], [{ Master_Host: 'db1', Master_Port: '3306', Slave_IO_Running: 'Connecting', Slave_SQL_Running: 'Yes', Seconds_Behind_Master: null, Last_IO_Error: "error reconnecting to master 'repl@db1:3306'", Last_SQL_Error: '' }]);
  assert.deepEqual([s.ioRunning, s.secondsBehindMaster, s.master, s.lastError], ['Connecting', null, { host: 'db1', port: 3306 }, "error reconnecting to master 'repl@db1:3306'"]);
});
