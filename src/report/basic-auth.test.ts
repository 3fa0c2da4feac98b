import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { BasicAuthChecker, basicAuthHeader, parseBasicAuth } from './basic-auth.js';

const b64 = (s: string) => Buffer.from(s, 'utf8').toString('base64');

void describe('parseBasicAuth', () => {
  void it('splits user and password at the first colon; the password may hold colons', () => {
    assert.deepEqual(parseBasicAuth(`Basic ${b64('admin:a:b:c')}`), { user: 'admin', password: 'a:b:c' });
    assert.deepEqual(parseBasicAuth(`basic ${b64('u:')}`), { user: 'u', password: '' });
    assert.deepEqual(parseBasicAuth(basicAuthHeader('jürgen', 'pässwörd')), { user: 'jürgen', password: 'pässwörd' });
  });

  void it('answers undefined for a missing, non-Basic or colon-less header', () => {
    assert.equal(parseBasicAuth(undefined), undefined);
    assert.equal(parseBasicAuth(''), undefined);
    assert.equal(parseBasicAuth(`Bearer ${b64('admin:pw')}`), undefined);
    assert.equal(parseBasicAuth(`Basic ${b64('nocolon')}`), undefined);
    assert.equal(parseBasicAuth('Basic'), undefined);
    assert.equal(parseBasicAuth('Basic a b'), undefined);
  });
});

void describe('BasicAuthChecker', () => {
  const checker = new BasicAuthChecker({ user: 'admin', password: 'correct horse' });

  void it('accepts exactly the configured user and password', () => {
    assert.equal(checker.check(basicAuthHeader('admin', 'correct horse')), true);
  });

  void it('refuses a wrong password, a wrong user, case changes, prefixes and nothing', () => {
    assert.equal(checker.check(basicAuthHeader('admin', 'correct hors')), false);
    assert.equal(checker.check(basicAuthHeader('admin', 'correct horse ')), false);
    assert.equal(checker.check(basicAuthHeader('Admin', 'correct horse')), false);
    assert.equal(checker.check(basicAuthHeader('root', 'correct horse')), false);
    assert.equal(checker.check(basicAuthHeader('', '')), false);
    assert.equal(checker.check(undefined), false);
    assert.equal(checker.check('Basic !!!'), false);
  });

  void it('refuses an empty configured pair given as missing credentials', () => {
    const empty = new BasicAuthChecker({ user: '', password: '' });
    assert.equal(empty.check(undefined), false, 'no header is never a match');
  });
});
