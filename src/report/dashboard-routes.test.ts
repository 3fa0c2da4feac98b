import assert from 'node:assert/strict';
import { Script } from 'node:vm';
import { describe, it } from 'node:test';
import { DASHBOARD_CSP } from './dashboard-routes.js';
import { DASHBOARD_JS } from './dashboard/dashboard-script.js';
import { call, testServer } from './testing/report-client.js';
import { failedOverSource } from './testing/scenario.js';

void describe('dashboard routes', () => {
  void it('serves the page, its script and its stylesheet with their types and a strict CSP', async () => {
    const server = testServer(failedOverSource());
    const types: Record<string, RegExp> = { '/': /^text\/html/, '/dashboard.js': /^text\/javascript/, '/dashboard.css': /^text\/css/ };
    for (const [url, type] of Object.entries(types)) {
      const res = await call(server, url);
      assert.equal(res.statusCode, 200, url);
      assert.match(String(res.headers['content-type']), type);
      assert.equal(res.headers['content-security-policy'], DASHBOARD_CSP);
      assert.equal(res.headers['x-frame-options'], 'DENY');
    }
    const html = (await call(server, '/')).body;
    assert.match(html, /<script src="\/dashboard\.js" defer><\/script>/);
    assert.match(html, /<link rel="stylesheet" href="\/dashboard\.css">/);
    assert.equal(/<script>|<style|\sstyle=|\son\w+=/.test(html), false, 'no inline script, style or handler: the CSP forbids them');
    assert.match(DASHBOARD_CSP, /script-src 'self'(;|$)/);
    assert.equal(DASHBOARD_CSP.includes('unsafe-inline'), false);
  });

  void it('ships a script that parses, uses no CDN, and never assigns HTML', () => {
    assert.doesNotThrow(() => new Script(DASHBOARD_JS, { filename: 'dashboard.js' }));
    assert.equal(/innerHTML|outerHTML|insertAdjacentHTML|document\.write/.test(DASHBOARD_JS), false);
    assert.equal(/https?:\/\//.test(DASHBOARD_JS), false);
    assert.match(DASHBOARD_JS, /\/api\/cluster/);
    assert.match(DASHBOARD_JS, /\/api\/decisions\?limit=/);
  });
});
