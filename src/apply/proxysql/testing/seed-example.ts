// Seed 000's example mysql_servers set-up (node4..node6, HG 100/101 with 8100/8101), for any hostgroup pair.
/** Anything that runs admin statements: the fake server's exec(), or an AdminStore wrapped. */
export interface StatementSink {
  exec(...statements: string[]): unknown;
}

export const EXAMPLE_HOSTS = ['192.168.4.22', '192.168.4.23', '192.168.4.233'] as const;

/** Inserts the example rows into the memory layer and loads them (as the seed's LOAD ...; SAVE ... does). */
export function seedExample(admin: StatementSink, g: { writer: number; reader: number }, hosts: readonly { host: string; port: number }[] = EXAMPLE_HOSTS.map((host) => ({ host, port: 3306 }))): void {
  const [a, b, c] = hosts as [{ host: string; port: number }, { host: string; port: number }, { host: string; port: number }];
  const row = (n: { host: string; port: number }, hg: number, weight: number, comment: string) =>
    `INSERT INTO mysql_servers (hostname,hostgroup_id,port,weight,max_connections,comment) VALUES ('${n.host}',${hg},${n.port},${weight},2000,'${comment}')`;
  admin.exec(
    `DELETE FROM mysql_servers WHERE hostgroup_id IN (${g.writer},${g.reader},${g.writer + 8000},${g.reader + 8000})`,
    row(a, g.writer, 1000, 'Preferred writer'), row(b, g.writer, 999, 'Second preferred '), row(c, g.writer, 998, 'Las chance'),
    row(a, g.reader, 998, 'last reader'), row(b, g.reader, 1000, 'reader1'), row(c, g.reader, 1000, 'reader2'),
    row(a, g.writer + 8000, 1000, 'Failover server preferred'), row(b, g.writer + 8000, 999, 'Second preferred'), row(c, g.writer + 8000, 998, 'Thirdh and last in the list'),
    row(a, g.reader + 8000, 998, 'Failover server preferred'), row(b, g.reader + 8000, 999, 'Second preferred'), row(c, g.reader + 8000, 1000, 'Thirdh and last in the list'),
    'LOAD MYSQL SERVERS TO RUNTIME', 'SAVE MYSQL SERVERS TO DISK',
  );
}
