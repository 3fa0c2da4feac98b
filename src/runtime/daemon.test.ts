import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Harness } from './testing/daemon-harness.js';
import { startHarness, waitFor } from './testing/daemon-harness.js';

describe('daemon', () => {
  let h: Harness;
  before(async () => {
    h = await startHarness(1);
  });
  after(async () => {
    await h.close();
  });

  for (const reuse of [false, true]) {
    it(`honours [probe].reuseConnection = ${reuse}`, async () => {
      const fake = h.fakes[0]!;
      const before = fake.connections;
      const d = await h.daemon(`[run]\nintervalMs = 20\nstateFile = "state-${reuse}.json"\n[proxy]\nenabled = false\n[probe]\nreuseConnection = ${reuse}\n`);
      await d.start();
      await waitFor(() => d.source.counters().ticks >= 6, '6 ticks');
      await d.shutdown();
      const ticks = d.source.counters().ticks;
      const opened = fake.connections - before;
      if (reuse) assert.equal(opened, 1, `one kept connection for ${ticks} ticks`);
      else assert.ok(opened >= ticks, `a fresh connection per probe: ${opened} connections for ${ticks} ticks`);
    });
  }
});
