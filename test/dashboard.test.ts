// The dashboard in a real browser (Debian's chromium through playwright-core) against a real report server
// on loopback: Basic auth from the browser, the writer and the node table rendered from /api, the decision
// history with its reason codes, a live refresh after the source changes, the stale marker, and escaping.
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, before, describe, it } from 'node:test';
import { chromium } from 'playwright-core';
import type { BrowserContext, Page } from 'playwright-core';
import { createReportServer } from '../src/report/report-server.js';
import type { ReportServer } from '../src/report/report-server.js';
import { FakeReportSource } from '../src/report/testing/fake-report-source.js';
import { electionTick, failoverTick, proxyStatsAfterFailover, steadyTick, switchoverTick } from '../src/report/testing/scenario.js';
import { buildTick } from '../src/report/testing/tick-fixtures.js';

const CHROMIUM = '/usr/bin/chromium';
const CHROMIUM_ARGS = [
  '--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking',
  '--disable-component-update', '--disable-sync', '--disable-dev-shm-usage',
];
const RESULTS = fileURLToPath(new URL('../../test-results/', import.meta.url));
const USER = 'operator';
const PASSWORD = 'dashboard-test-secret';

/**
 * Waits until the element's text satisfies `ok`; fails naming what was last seen. The page polls every
 * second; the deadline is generous for a browser on a loaded 2-core machine.
 */
async function waitForText(page: Page, selector: string, ok: (text: string) => boolean, timeoutMs = 20_000): Promise<string> {
  const deadline = Date.now() + timeoutMs;
  let last = '';
  while (Date.now() < deadline) {
    last = (await page.locator(selector).first().textContent({ timeout: Math.max(1, deadline - Date.now()) }).catch(() => null)) ?? '';
    if (ok(last)) return last;
    await new Promise((r) => setTimeout(r, 50));
  }
  assert.fail(`${selector}: text still ${JSON.stringify(last)} after ${timeoutMs} ms`);
}

void describe('dashboard (real chromium)', () => {
  const source = new FakeReportSource({ clusterName: 'prod-galera', startedAt: Date.now() - 3_600_000 });
  let clockAhead = 0;
  let server: ReportServer | undefined;
  let context: BrowserContext | undefined;
  let userDataDir: string | undefined;
  let page: Page;
  let base = '';
  const pageErrors: string[] = [];

  before(async () => {
    assert.ok(existsSync(CHROMIUM), `${CHROMIUM} is missing: run scripts/install-deps.sh (Debian package chromium)`);
    const t = Date.now() - 4000;
    source.record(electionTick(1, t), steadyTick(2, t + 1000), steadyTick(3, t + 2000), failoverTick(4, t + 3000));
    source.proxy = proxyStatsAfterFailover();
    // The server's clock: always 400 ms after the last tick (live), unless a test moves it ahead.
    const now = () => (source.latest()?.at ?? Date.now()) + 400 + clockAhead;
    server = createReportServer(source, { host: '127.0.0.1', port: 0, auth: { user: USER, password: PASSWORD }, now });
    const address = await server.listen();
    base = `http://127.0.0.1:${address.port}`;
    userDataDir = await mkdtemp(path.join(tmpdir(), 'galera-warden-chromium-'));
    context = await chromium.launchPersistentContext(userDataDir, {
      executablePath: CHROMIUM,
      args: CHROMIUM_ARGS,
      headless: true,
      httpCredentials: { username: USER, password: PASSWORD },
      viewport: { width: 1400, height: 900 },
    });
    page = context.pages()[0] ?? (await context.newPage());
    page.on('pageerror', (err) => pageErrors.push(err.message));
    // CSP violations and script errors count; a failed fetch (the disconnected test) is expected.
    page.on('console', (msg) => {
      if (msg.type() === 'error' && !msg.text().startsWith('Failed to load resource')) pageErrors.push(msg.text());
    });
  });

  after(async () => {
    await context?.close();
    await server?.close();
    if (userDataDir !== undefined) await rm(userDataDir, { recursive: true, force: true });
  });

  void it('asks for credentials: without them the page is refused', async () => {
    const res = await fetch(`${base}/`);
    assert.equal(res.status, 401);
    assert.equal(res.headers.get('www-authenticate'), 'Basic realm="galera-warden"');
  });

  void it('shows the active writer, the node table and the findings', async () => {
    const response = await page.goto(`${base}/`);
    assert.equal(response?.status(), 200);
    await waitForText(page, '#writer', (t) => t === 'db2');
    assert.equal(await page.locator('#cluster-name').textContent(), 'prod-galera');
    assert.equal(await page.locator('#writer-addr').textContent(), '10.0.0.12:3306');
    assert.equal(await page.locator('#epoch').textContent(), '2');
    await waitForText(page, '#live', (t) => t === 'live');

    const rows = page.locator('#nodes tr[data-node]');
    assert.equal(await rows.count(), 3);
    const db1 = (await page.locator('#nodes tr[data-node="db1"] td').allTextContents()).map((s) => s.trim());
    assert.deepEqual(db1.slice(0, 6), ['db1', '10.0.0.11:3306', 'maintenance', 'maintenance', 'Initialized', 'non-Primary']);
    assert.equal(db1[6], 'no');
    assert.match(db1[9] ?? '', /^NOT_PRIMARY/);
    const db2 = (await page.locator('#nodes tr[data-node="db2"] td').allTextContents()).map((s) => s.trim());
    assert.deepEqual([db2[2], db2[3], db2[4], db2[5], db2[6], db2[7]], ['writer', 'reader', 'Synced', 'Primary', 'yes', '9']);
    assert.equal(await page.locator('#sessions').textContent(), '12');
    assert.match((await page.locator('#findings').textContent()) ?? '', /NOT_PRIMARY.*db1 \(10\.0\.0\.11:3306\) reports/);
  });

  void it('lists the decision history newest first, with reason codes', async () => {
    const entries = page.locator('#history li[data-seq]');
    assert.equal(await entries.count(), 2);
    assert.equal(await entries.first().getAttribute('data-seq'), '4');
    const newest = await entries.first().locator('.code').allTextContents();
    assert.ok(newest.includes('FAILOVER') && newest.includes('NOT_PRIMARY'), `codes of the newest entry: ${newest.join(', ')}`);
    assert.match((await entries.nth(1).textContent()) ?? '', /WRITER_ELECTED/);
  });

  void it('refreshes by itself when the source records a switchover', async () => {
    const started = Date.now();
    source.record(switchoverTick(5, Date.now()));
    await waitForText(page, '#writer', (t) => t === 'db3');
    console.log(`# the dashboard showed the new writer ${Date.now() - started} ms after the switchover was recorded`);
    assert.equal(await page.locator('#epoch').textContent(), '3');
    const newest = page.locator('#history li[data-seq]').first();
    assert.equal(await newest.getAttribute('data-seq'), '5');
    assert.deepEqual([...new Set(await newest.locator('.code').allTextContents())], ['SWITCHOVER']);
    await mkdir(RESULTS, { recursive: true });
    await page.screenshot({ path: path.join(RESULTS, 'dashboard.png'), fullPage: true });
  });

  void it('marks the data stale when the last tick is older than 5 s', async () => {
    clockAhead = 6000;
    await waitForText(page, '#live', (t) => t === 'stale');
    assert.match((await page.locator('#last-tick').textContent()) ?? '', /6\.4 s ago/);
    clockAhead = 0;
    await waitForText(page, '#live', (t) => t === 'live');
  });

  void it('shows "disconnected" while the API fails, and recovers', async () => {
    source.broken = new Error('runtime bug');
    await waitForText(page, '#live', (t) => t === 'disconnected');
    assert.match((await page.locator('#last-tick').textContent()) ?? '', /HTTP 500/);
    assert.equal(await page.locator('#main').getAttribute('class'), 'dimmed');
    assert.equal(await page.locator('#writer').textContent(), 'db3', 'the last known state stays on screen');
    source.broken = undefined;
    await waitForText(page, '#live', (t) => t === 'live');
  });

  void it('renders a node name with markup as text', async () => {
    const evil = '<img src=x onerror="window.__pwned=1">';
    source.record(buildTick({ seq: 6, at: Date.now(), epoch: 3, nodes: [{ name: 'db3', writer: 'writer' }, { name: evil, state: 'down' }] }));
    await waitForText(page, '#nodes', (t) => t.includes(evil));
    assert.equal(await page.locator('#nodes img').count(), 0);
    assert.equal(await page.evaluate(() => (globalThis as { __pwned?: number }).__pwned), undefined);
  });

  void it('works when opened with the credentials in the URL (http://user:secret@host/)', async () => {
    const p2 = await context!.newPage();
    const errors: string[] = [];
    p2.on('pageerror', (err) => errors.push(err.message));
    p2.on('console', (msg) => {
      if (msg.type() === 'error') errors.push(msg.text());
    });
    try {
      const withCredentials = base.replace('http://', `http://${USER}:${PASSWORD}@`);
      const response = await p2.goto(`${withCredentials}/`);
      assert.equal(response?.status(), 200);
      await waitForText(p2, '#live', (t) => t === 'live', 5000);
      assert.equal(await p2.locator('#writer').textContent(), 'db3');
      assert.deepEqual(errors, []);
    } finally {
      await p2.close();
    }
  });

  void it('a replication topology: the replication state and the master each node replicates from, never wsrep terms', async () => {
    source.topology = 'replication';
    const repl = (master: string | null, over: Record<string, unknown> = {}) => ({
      readOnly: master !== null, ioRunning: master ? 'Yes' : '', sqlRunning: master ? 'Yes' : '', secondsBehindMaster: master ? 2 : null,
      gtidPosition: '0-1-77', master: master ? { host: master, port: 3306 } : null, lastError: '', ...over,
    });
    source.record(buildTick({ seq: 7, at: Date.now(), epoch: 4, nodes: [
      { name: 'db1', writer: 'writer', status: { replication: repl(null) } },
      { name: 'db2', status: { replication: repl('10.0.0.11') } },
      { name: 'db3', status: { replication: repl('10.0.0.11', { sqlRunning: 'No', secondsBehindMaster: null }) } },
    ] }));
    await waitForText(page, '#primary-label', (t) => t === 'Replication');
    assert.equal(await page.locator('#primary').textContent(), 'db1');
    assert.equal(await page.locator('#state-head').textContent(), 'Replication');
    assert.equal(await page.locator('#primary-head').textContent(), 'Replicates from');
    const cells = async (n: string) => (await page.locator(`#nodes tr[data-node="${n}"] td`).allTextContents()).map((x) => x.trim());
    await waitForText(page, '#nodes tr[data-node="db2"]', (t) => t.includes('replica, lag 2 s'));
    assert.deepEqual((await cells('db1')).slice(4, 6), ['primary, writable', '(none)']);
    assert.deepEqual((await cells('db2')).slice(4, 6), ['replica, lag 2 s', '10.0.0.11:3306']);
    assert.deepEqual((await cells('db3')).slice(4, 6), ['IO Yes / SQL No', '10.0.0.11:3306']);
    assert.doesNotMatch((await page.locator('#nodes').textContent()) ?? '', /Synced|Primary/);
    source.topology = 'galera';
  });

  void it('ran without script errors or CSP violations', () => {
    assert.deepEqual(pageErrors, []);
  });
});
