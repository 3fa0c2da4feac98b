// TLS material for a sandbox with TLS on: a CA, a server certificate valid for every node address,
// and a client certificate, all made with openssl.
import fs from 'node:fs';
import path from 'node:path';
import { run } from './shell.js';

export interface CertPaths {
  dir: string;
  ca: string;
  serverCert: string;
  serverKey: string;
  clientCert: string;
  clientKey: string;
}

export function certPaths(sandboxDir: string): CertPaths {
  const dir = path.join(sandboxDir, 'certs');
  return {
    dir,
    ca: path.join(dir, 'ca.pem'),
    serverCert: path.join(dir, 'server-cert.pem'),
    serverKey: path.join(dir, 'server-key.pem'),
    clientCert: path.join(dir, 'client-cert.pem'),
    clientKey: path.join(dir, 'client-key.pem'),
  };
}

const openssl = (args: string[]) => run('openssl', args, { timeoutMs: 30_000 });

async function issue(p: CertPaths, name: string, subject: string, sanLine: string | undefined, key: string, cert: string): Promise<void> {
  const csr = path.join(p.dir, `${name}.csr`);
  const ext = path.join(p.dir, `${name}.ext`);
  fs.writeFileSync(ext, sanLine ? `subjectAltName=${sanLine}\n` : 'basicConstraints=CA:FALSE\n');
  await openssl(['req', '-newkey', 'rsa:2048', '-nodes', '-keyout', key, '-out', csr, '-subj', subject]);
  await openssl(['x509', '-req', '-in', csr, '-CA', p.ca, '-CAkey', path.join(p.dir, 'ca-key.pem'), '-CAcreateserial',
    '-out', cert, '-days', '3650', '-extfile', ext]);
  fs.rmSync(csr);
  fs.rmSync(ext);
}

/** Makes the CA, server and client certificates; `hosts` are the IP addresses the server certificate covers. */
export async function makeCerts(sandboxDir: string, hosts: string[]): Promise<CertPaths> {
  const p = certPaths(sandboxDir);
  fs.mkdirSync(p.dir, { recursive: true, mode: 0o700 });
  await openssl(['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', path.join(p.dir, 'ca-key.pem'), '-out', p.ca,
    '-days', '3650', '-subj', '/CN=galera-warden sandbox CA']);
  const san = ['DNS:localhost', ...[...new Set(hosts)].map((h) => `IP:${h}`)].join(',');
  await issue(p, 'server', '/CN=localhost', san, p.serverKey, p.serverCert);
  await issue(p, 'client', '/CN=galera-warden', undefined, p.clientKey, p.clientCert);
  return p;
}
