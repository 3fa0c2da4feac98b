// docs/decision-table.md must stay true: every code of the findings table is documented, and every test it cites
// exists under that name.
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { PROBLEMS } from './findings.js';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');
const DOC = readFileSync(path.join(ROOT, 'docs/decision-table.md'), 'utf8');
const SOURCES: Record<string, string> = {};
for (const dir of ['src/decide', 'src/cli']) {
  for (const f of readdirSync(path.join(ROOT, dir)).filter((n) => n.endsWith('.test.ts'))) {
    SOURCES[f] = readFileSync(path.join(ROOT, dir, f), 'utf8').replaceAll("\\'", "'");
  }
}

void test('decision table: every code of the findings table is documented', () => {
  for (const p of PROBLEMS) assert.ok(DOC.includes(`\`${p.code}\``), `${p.code} is not in docs/decision-table.md`);
});

void test('decision table: every cited test exists', () => {
  const cited = [...DOC.matchAll(/`([a-z-]+\.test\.ts)` › (.+?)(?=<br>| \||$)/gm)];
  assert.ok(cited.length > 80, `only ${cited.length} citations found`);
  for (const [, file, name] of cited) {
    const source = SOURCES[file ?? ''];
    assert.ok(source !== undefined, `cited file ${file} does not exist`);
    const title = (name ?? '').trim();
    const rule = title.slice(title.indexOf(': ') + 2);
    assert.ok(source.includes(title) || source.includes(`rule: '${rule}'`), `${file} has no test named "${title}"`);
  }
});
