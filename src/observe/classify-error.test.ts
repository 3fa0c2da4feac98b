import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { ProbePhase } from './classify-error.js';
import { classifyError, classifyKind, redact, timeoutError } from './classify-error.js';

const target = { node: 'db1', host: '10.0.0.1', port: 3306 };
const err = (fields: Record<string, unknown>) => Object.assign(new Error(typeof fields.message === 'string' ? fields.message : 'x'), fields);

describe('classify-error', () => {
  const cases: [string, Record<string, unknown>, ProbePhase, string][] = [
    ['refused', { code: 'ECONNREFUSED', errno: -111 }, 'connect', 'refused'],
    // a server that turns a connection away is up: busy, never 'refused' (which fencing takes as proof of death)
    ['too many connections', { code: 'ER_CON_COUNT_ERROR', errno: 1040, sqlState: '08004' }, 'login', 'busy'],
    ['too many connections, sent before the greeting', { code: 'ER_CON_COUNT_ERROR', errno: 1040, fatal: true }, 'connect', 'busy'],
    ['max_user_connections', { code: 'ER_TOO_MANY_USER_CONNECTIONS', errno: 1203, sqlState: '42000' }, 'login', 'busy'],
    ['account resource limit', { code: 'ER_USER_LIMIT_REACHED', errno: 1226, sqlState: '42000' }, 'login', 'busy'],
    ['shutdown in progress at login', { code: 'ER_SERVER_SHUTDOWN', errno: 1053, sqlState: '08S01' }, 'login', 'shutdown'],
    ['shutdown in progress (or, on MySQL / PXC, our session was killed) on a query', { code: 'ER_SERVER_SHUTDOWN', errno: 1053, sqlState: '08S01', fatal: true }, 'status query', 'shutdown'],
    ['connect timeout', { code: 'ETIMEDOUT' }, 'login', 'timeout'],
    ['access denied', { code: 'ER_ACCESS_DENIED_ERROR', errno: 1045, sqlState: '28000' }, 'login', 'auth'],
    ['host not allowed', { code: 'ER_HOST_NOT_PRIVILEGED', errno: 1130, sqlState: 'HY000' }, 'login', 'auth'],
    ['MariaDB account locked', { errno: 4151, sqlState: 'HY000' }, 'login', 'auth'],
    ['no TLS on the server', { code: 'HANDSHAKE_NO_SSL_SUPPORT' }, 'login', 'tls'],
    ['mysql2 wrapping a certificate error', { code: 'HANDSHAKE_SSL_ERROR', fatal: true, message: 'self-signed certificate in certificate chain' }, 'login', 'tls'],
    ['self-signed', { code: 'DEPTH_ZERO_SELF_SIGNED_CERT' }, 'login', 'tls'],
    ['wrong name', { code: 'ERR_TLS_CERT_ALTNAME_INVALID' }, 'login', 'tls'],
    ['openssl', { code: 'ERR_SSL_WRONG_VERSION_NUMBER', library: 'SSL routines' }, 'login', 'tls'],
    ['no route', { code: 'EHOSTUNREACH', errno: -113 }, 'connect', 'unreachable'],
    ['dns', { code: 'ENOTFOUND' }, 'connect', 'unreachable'],
    ['reset', { code: 'ECONNRESET' }, 'login', 'unreachable'],
    ['closed during login', { code: 'PROTOCOL_CONNECTION_LOST', fatal: true }, 'login', 'protocol'],
    ['bad packets', { code: 'PROTOCOL_PACKETS_OUT_OF_ORDER' }, 'status query', 'protocol'],
    ['server error on a query', { code: 'ER_SPECIFIC_ACCESS_DENIED_ERROR', errno: 1227, sqlState: '42000' }, 'status query', 'query'],
    ['1045 on a query is not a login failure', { errno: 1045, sqlState: '28000' }, 'variables query', 'query'],
    ['anything else', { code: 'EWHATEVER' }, 'status query', 'unknown'],
  ];
  for (const [what, fields, phase, kind] of cases) {
    it(`${what} -> ${kind}`, () => assert.equal(classifyKind(err(fields), phase), kind));
  }

  it('a message names the node, host:port, phase, code and errno; errno only for server errors', () => {
    const e = classifyError(err({ code: 'ER_ACCESS_DENIED_ERROR', errno: 1045, sqlState: '28000', sqlMessage: "Access denied for user 'w'" }), target, 'login');
    assert.deepEqual(e, {
      kind: 'auth',
      message: "db1 (10.0.0.1:3306): login rejected during login: Access denied for user 'w' [ER_ACCESS_DENIED_ERROR 1045]",
      errno: 1045,
      code: 'ER_ACCESS_DENIED_ERROR',
    });
    const n = classifyError(err({ code: 'ECONNREFUSED', errno: -111, message: 'connect ECONNREFUSED 10.0.0.1:3306' }), target, 'connect');
    assert.equal(n.errno, undefined);
    assert.equal(n.code, 'ECONNREFUSED');
  });

  it('a busy server is named as busy, with what it ran out of; a shutting-down one as shutting down', () => {
    const busy = classifyError(err({ code: 'ER_CON_COUNT_ERROR', errno: 1040, sqlState: '08004', sqlMessage: 'Too many connections' }), target, 'login');
    assert.deepEqual(busy, {
      kind: 'busy',
      message: 'db1 (10.0.0.1:3306): busy: too many connections during login: Too many connections [ER_CON_COUNT_ERROR 1040]',
      errno: 1040,
      code: 'ER_CON_COUNT_ERROR',
    });
    const user = classifyError(err({ errno: 1203, sqlState: '42000', sqlMessage: "User w already has more than 'max_user_connections' active connections" }), target, 'login');
    assert.match(user.message, /^db1 \(10\.0\.0\.1:3306\): busy: too many connections for the account during login: /);
    const down = classifyError(err({ code: 'ER_SERVER_SHUTDOWN', errno: 1053, sqlMessage: 'Server shutdown in progress' }), target, 'status query');
    assert.equal(down.message, 'db1 (10.0.0.1:3306): shutting down during status query: Server shutdown in progress [ER_SERVER_SHUTDOWN 1053]');
  });

  it('never shows the password, even if a driver message contained it', () => {
    const e = classifyError(err({ message: 'bad thing with hunter22 inside' }), target, 'login', 'hunter22');
    assert.ok(!e.message.includes('hunter22'));
    assert.match(e.message, /\[redacted\]/);
    assert.equal(redact('abc', 'ab'), 'abc', 'too short to redact safely');
  });

  it('a deadline timeout says where the node got stuck', () => {
    assert.deepEqual(timeoutError(target, 'login', 2000), {
      kind: 'timeout',
      message: 'db1 (10.0.0.1:3306): no answer within 2000 ms (stuck in login)',
      code: 'PROBE_DEADLINE',
    });
  });
});
