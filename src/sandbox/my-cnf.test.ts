import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { nodePaths, planLayout } from './layout.js';
import { renderMyCnf } from './my-cnf.js';

/** The value of `key=` in a rendered my.cnf, or undefined. */
function option(cnf: string, key: string): string | undefined {
  return cnf.split('\n').find((l) => l.startsWith(`${key}=`))?.slice(key.length + 1);
}

describe('renderMyCnf', () => {
  it('gives every node its own tmpdir inside its own folder, so two sandboxes never share one', () => {
    const a = planLayout({ dir: '/srv/a', nodes: 3, basePort: 31800, mode: 'loopback', tls: false });
    const b = planLayout({ dir: '/srv/b', nodes: 3, basePort: 31900, mode: 'loopback', tls: false });
    const tmpdirs = [a, b].flatMap((layout) =>
      layout.nodes.map((n) => {
        const tmpdir = option(renderMyCnf(layout, n), 'tmpdir');
        assert.equal(tmpdir, nodePaths(n).tmp, `${layout.dir} ${n.name}`);
        assert.ok(tmpdir.startsWith(`${n.dir}/`), `${tmpdir} lies in ${n.dir}`);
        assert.ok(!tmpdir.startsWith(`${nodePaths(n).data}/`), 'not inside the datadir, which SST copies');
        return tmpdir;
      }),
    );
    assert.equal(new Set(tmpdirs).size, 6);
  });

  it('keeps the socket, pid file, datadir and ports per node', () => {
    const layout = planLayout({ dir: '/srv/a', nodes: 2, basePort: 31800, mode: 'loopback', tls: false });
    const [one, two] = layout.nodes.map((n) => renderMyCnf(layout, n));
    for (const key of ['datadir', 'socket', 'pid-file', 'port', 'log-error', 'wsrep_sst_receive_address']) {
      assert.notEqual(option(one!, key), option(two!, key), key);
    }
    assert.equal(option(one!, 'port'), '31811');
    assert.equal(option(two!, 'port'), '31821');
  });
});
