import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { ReportSource } from '../model/tick.js';
import type { ReportServerOptions } from './report-options.js';
import { ReportOptionsError, resolveReportOptions } from './report-options.js';
import { createReportServer } from './report-server.js';
import { FakeReportSource } from './testing/fake-report-source.js';

const good: ReportServerOptions = { host: '127.0.0.1', port: 8080, auth: { user: 'admin', password: 'pw' } };

function rejects(options: Record<string, unknown>, pattern: RegExp, source: ReportSource = new FakeReportSource()): void {
  const merged: unknown = { ...good, ...options };
  assert.throws(
    () => createReportServer(source, merged as ReportServerOptions),
    (err: unknown) => {
      assert.ok(err instanceof ReportOptionsError, String(err));
      assert.equal(err.code, 'E_REPORT_OPTIONS');
      assert.match(err.message, pattern);
      return true;
    },
  );
}

void describe('report server options', () => {
  void it('resolves defaults: metrics open, 500 decisions at most, the system clock', () => {
    const r = resolveReportOptions(new FakeReportSource(), good);
    assert.equal(r.metricsAuth, false);
    assert.equal(r.maxDecisions, 500);
    assert.equal(r.now, Date.now);
    assert.deepEqual(r.auth, { user: 'admin', password: 'pw' });
  });

  void it('names the option at fault', () => {
    rejects({ host: '' }, /^report server: host: expected a host name or IP address$/);
    rejects({ port: 70000 }, /port: Too big/);
    rejects({ port: 80.5 }, /port: expected an integer/);
    rejects({ auth: { user: '', password: 'x' } }, /auth\.user: expected a non-empty user name/);
    rejects({ auth: { user: 'a:b', password: 'x' } }, /auth\.user: must not contain ":"/);
    rejects({ auth: { user: 'a', password: '' } }, /auth\.password: expected a non-empty password/);
    rejects({ metricsAuth: 'yes' }, /metricsAuth: expected boolean/);
    rejects({ now: 5 }, /now: expected a function/);
  });

  void it('never repeats the password in a message', () => {
    rejects({ auth: { user: 'a:b', password: 'topsecret-123' } }, /^(?!.*topsecret).*$/s);
    rejects({ auth: { user: 'a', password: 12345 } }, /^(?!.*12345).*auth\.password/s);
  });

  void it('checks the source has every method the server calls', () => {
    const partial = { clusterName: 'c', latest: () => undefined } as unknown as ReportSource;
    rejects({}, /source: missing method\(s\) history, counters, proxyStats, switchover, setMaintenance, maintenanceMarks/, partial);
  });
});
