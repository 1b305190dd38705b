/**
 * A throw-away certificate authority and a server certificate for 127.0.0.1/localhost,
 * generated with the openssl CLI at start so clients verify TLS against a CA that exists
 * only for this run (Node has no X.509 generation of its own).
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** PEM material of one generated CA and the server certificate it signed. */
export interface DoubleTls {
  caCert: string;
  serverCert: string;
  serverKey: string;
}

/** Generates a CA (`commonName`) and a server certificate valid for 127.0.0.1 and localhost. */
export function generateTls(commonName = 'trellis-kube-double-ca'): DoubleTls {
  const dir = mkdtempSync(join(tmpdir(), 'trellis-kube-tls-'));
  const ssl = (...args: string[]) => execFileSync('openssl', args, { cwd: dir, stdio: 'pipe' });
  try {
    ssl('req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', 'ca.key', '-out', 'ca.crt', '-days', '2', '-subj', `/CN=${commonName}`);
    ssl('req', '-newkey', 'rsa:2048', '-nodes', '-keyout', 'server.key', '-out', 'server.csr', '-subj', '/CN=kube-apiserver');
    writeFileSync(join(dir, 'ext.cnf'), 'subjectAltName=IP:127.0.0.1,DNS:localhost\nextendedKeyUsage=serverAuth\n');
    ssl('x509', '-req', '-in', 'server.csr', '-CA', 'ca.crt', '-CAkey', 'ca.key', '-CAcreateserial', '-out', 'server.crt', '-days', '2', '-extfile', 'ext.cnf');
    return {
      caCert: readFileSync(join(dir, 'ca.crt'), 'utf8'),
      serverCert: readFileSync(join(dir, 'server.crt'), 'utf8'),
      serverKey: readFileSync(join(dir, 'server.key'), 'utf8'),
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
