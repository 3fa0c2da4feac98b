import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { DUMP_TABLES, csvField, dumpTables, toCsv } from './dump-csv.js';

describe('dump CSV', () => {
  it('quotes only what needs it; NULL is empty; CRLF rows', () => {
    assert.equal(csvField('plain'), 'plain');
    assert.equal(csvField('a,b'), '"a,b"');
    assert.equal(csvField('say "hi"'), '"say ""hi"""');
    assert.equal(csvField('x\ny'), '"x\ny"');
    assert.equal(csvField(null), '');
    assert.equal(toCsv([{ a: '1', b: "SELECT * FROM t WHERE x = 'a,b'" }], ['a', 'b']), 'a,b\r\n1,"SELECT * FROM t WHERE x = \'a,b\'"\r\n');
    assert.equal(toCsv([], ['a', 'b']), 'a,b\r\n');
  });

  it('writes one file per table with a UTC timestamp in its name', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'gw-dump-'));
    try {
      const asked: string[] = [];
      const files = await dumpTables({ select: async (sql) => { asked.push(sql); return { rows: [{ n: '1' }], columns: ['n'] }; } }, dir, new Date('2026-01-02T03:04:05.678Z'));
      assert.deepEqual(asked, DUMP_TABLES.map((t) => `SELECT * FROM ${t}`));
      assert.deepEqual(files.map((f) => path.basename(f)), DUMP_TABLES.map((t) => `${t}-20260102T030405Z.csv`));
      assert.equal(fs.readFileSync(files[0]!, 'utf8'), 'n\r\n1\r\n');
      assert.deepEqual(fs.readdirSync(dir).filter((f) => f.endsWith('.tmp')), []);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
