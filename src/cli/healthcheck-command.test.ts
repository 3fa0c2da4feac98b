import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { UsageError } from '../model/errors.js';
import { parseListen, runHealthcheck } from './healthcheck-command.js';

describe('galera-warden healthcheck flags', () => {
  it('--listen forms', () => {
    assert.deepEqual(parseListen('127.0.0.1:9200'), { host: '127.0.0.1', port: 9200 });
    assert.deepEqual(parseListen(':9201'), { host: '0.0.0.0', port: 9201 });
    assert.deepEqual(parseListen('9202'), { host: '0.0.0.0', port: 9202 });
    assert.deepEqual(parseListen('[::1]:9203'), { host: '::1', port: 9203 });
    assert.throws(() => parseListen('host:http'), UsageError);
    assert.throws(() => parseListen('h:70000'), /--listen: expected a number from 0 to 65535, got "70000"/);
  });

  it('refuses bad flag combinations before listening', async () => {
    await assert.rejects(runHealthcheck({}), /--user: required without --config/);
    await assert.rejects(runHealthcheck({ user: 'w', passwordEnv: 'A', passwordFile: '/x' }), /give only one/);
    await assert.rejects(runHealthcheck({ user: 'w', passwordEnv: 'GW_SURELY_UNSET_VAR' }), /--password-env: environment variable GW_SURELY_UNSET_VAR is not set/);
    await assert.rejects(runHealthcheck({ user: 'w', passwordFile: '/nonexistent/pw' }), /--password-file: cannot read \/nonexistent\/pw: no such file \(ENOENT\)/);
    await assert.rejects(runHealthcheck({ user: 'w', port: '0' }), /--port: expected a number from 1 to 65535, got "0"/);
    await assert.rejects(runHealthcheck({ config: '/x.toml', host: 'h', user: 'u' }), /--host, --user: not with --config/);
    await assert.rejects(runHealthcheck({ user: 'w', listen: 'nope' }), (e: unknown) => e instanceof UsageError && e.exitCode === 2);
  });
});
