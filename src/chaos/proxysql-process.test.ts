import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, describe, it } from 'node:test';
import { proxysqlBinary, proxysqlMissing } from './proxysql-process.js';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'gw-proxysql-bin-'));
const exe = path.join(dir, 'bin', 'proxysql');
fs.mkdirSync(path.dirname(exe));
fs.writeFileSync(exe, '#!/bin/sh\n', { mode: 0o755 });
const plain = path.join(dir, 'not-executable');
fs.writeFileSync(plain, '', { mode: 0o644 });
after(() => fs.rmSync(dir, { recursive: true, force: true }));

describe('the chaos campaign finds ProxySQL', () => {
  it('PROXYSQL_BIN first, then proxysql on the PATH', () => {
    assert.equal(proxysqlBinary({ PROXYSQL_BIN: exe, PATH: '/nowhere' }), exe);
    assert.equal(proxysqlBinary({ PATH: `/nowhere:${path.dirname(exe)}` }), exe);
    assert.equal(proxysqlMissing({ PATH: path.dirname(exe) }), undefined);
  });
  it('none there: a message that says how to point at one', () => {
    assert.equal(proxysqlBinary({ PATH: dir }), undefined, 'a folder of that name or a file elsewhere is not found');
    assert.match(proxysqlMissing({ PATH: '/nowhere' }) ?? '', /no proxysql on the PATH; set PROXYSQL_BIN=/);
    assert.match(proxysqlMissing({ PROXYSQL_BIN: plain, PATH: path.dirname(exe) }) ?? '', /PROXYSQL_BIN=.*not-executable is not an executable file/);
  });
});
