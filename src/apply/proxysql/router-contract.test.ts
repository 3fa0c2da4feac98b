// The shared router contract, run against the ProxySQL adapter and the admin test server.
import type { DesiredRouting } from '../../model/decision.js';
import { routerContract } from '../router-contract.js';
import { ProxySqlAdapter } from './adapter.js';
import { hostgroups } from './servers.js';
import { FakeProxySqlAdmin } from './testing/fake-proxysql-admin.js';
import { seedExample } from './testing/seed-example.js';

routerContract('ProxySQL', async () => {
  const admin = await FakeProxySqlAdmin.start();
  seedExample(admin, { writer: 100, reader: 101 });
  const adapter = new ProxySqlAdapter({
    admin: { host: admin.host, port: admin.port, user: 'admin', password: 'admin' },
    groups: hostgroups(100, 101),
    saveToDisk: true,
  });
  const nodes = ['192.168.4.22', '192.168.4.23', '192.168.4.233'].map((h) => ({ name: `${h}:3306`, host: h, port: 3306 }));
  const online = (hg: number) => admin.table('runtime_mysql_servers')
    .filter((r) => r.hostgroup_id === String(hg) && r.status === 'ONLINE').map((r) => `${r.hostname}:${r.port}`);
  return {
    adapter,
    nodes,
    actual: async () => ({ writers: online(100), readers: online(101) }),
    breakNextApply: (d: DesiredRouting) => {
      // the first write statement passes, the next one fails: the memory layer is half-written
      let seen = 0;
      admin.faults.push({ match: { test: (s: string) => /^(INSERT|UPDATE|DELETE)/.test(s) && ++seen === 2 } as RegExp, errno: 1205, message: 'ProxySQL Admin Error: database is locked', times: 1 });
      return d;
    },
    close: async () => {
      await adapter.destroy();
      await admin.close();
    },
  };
});
