import { execFileSync } from 'node:child_process';
import { chmodSync, chownSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { PostgresCluster } from './postgres-cluster.js';

/** A certificate authority made by the openssl CLI (argv, no shell), for loopback TLS tests. */
export interface TestCa {
  readonly dir: string;
  /** The CA certificate (PEM file). */
  readonly certFile: string;
  readonly cert: string;
  /** A server certificate and key signed by this CA for the given names. */
  issue(name: string, altNames: string): { certFile: string; keyFile: string };
  remove(): void;
}

export function createTestCa(commonName = 'autopilot test CA'): TestCa {
  const dir = mkdtempSync(join(tmpdir(), 'autopilot-ca-'));
  chmodSync(dir, 0o755);
  const caKey = join(dir, 'ca.key');
  const certFile = join(dir, 'ca.pem');
  const openssl = (args: string[]) => execFileSync('openssl', args, { stdio: ['ignore', 'pipe', 'pipe'] });
  openssl([
    'req',
    '-x509',
    '-newkey',
    'rsa:2048',
    '-nodes',
    '-days',
    '2',
    '-subj',
    `/CN=${commonName}`,
    '-keyout',
    caKey,
    '-out',
    certFile,
  ]);
  chmodSync(certFile, 0o644);
  return {
    dir,
    certFile,
    cert: readFileSync(certFile, 'utf8'),
    issue(name, altNames) {
      const keyFile = join(dir, `${name}.key`);
      const csr = join(dir, `${name}.csr`);
      const cert = join(dir, `${name}.pem`);
      const ext = join(dir, `${name}.ext`);
      writeFileSync(ext, `subjectAltName=${altNames}\n`);
      openssl(['req', '-newkey', 'rsa:2048', '-nodes', '-subj', `/CN=${name}`, '-keyout', keyFile, '-out', csr]);
      openssl([
        'x509',
        '-req',
        '-in',
        csr,
        '-CA',
        certFile,
        '-CAkey',
        caKey,
        '-CAcreateserial',
        '-days',
        '2',
        '-extfile',
        ext,
        '-out',
        cert,
      ]);
      return { certFile: cert, keyFile };
    },
    remove() {
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** Turns TLS on in a running cluster with the given certificate and key (owned by postgres, 0600, as the server demands). */
export async function enableClusterTls(cluster: PostgresCluster, server: { certFile: string; keyFile: string }): Promise<void> {
  const data = join(cluster.dir, 'data');
  const cert = join(data, 'server.crt');
  const key = join(data, 'server.key');
  writeFileSync(cert, readFileSync(server.certFile));
  writeFileSync(key, readFileSync(server.keyFile), { mode: 0o600 });
  if (process.getuid?.() === 0) {
    const uid = Number(execFileSync('id', ['-u', 'postgres'], { encoding: 'utf8' }).trim());
    const gid = Number(execFileSync('id', ['-g', 'postgres'], { encoding: 'utf8' }).trim());
    chownSync(cert, uid, gid);
    chownSync(key, uid, gid);
  }
  await cluster.query('ALTER SYSTEM SET ssl = on');
  await cluster.query('SELECT pg_reload_conf()');
  for (let i = 0; i < 50; i++) {
    const [row] = await cluster.query<{ ssl: string }>('SHOW ssl');
    if (row?.ssl === 'on') return;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error('the cluster did not turn TLS on');
}
