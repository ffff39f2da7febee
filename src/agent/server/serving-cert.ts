// The agent's HTTPS serving certificate: self-signed, created on first start in the data
// dir and reused afterwards. There is no CA for agents (yet), so the API server does not
// verify it; the connection is still encrypted and the API server authenticates itself to
// the agent with the join token. Documented in docs/ as a known gap.
import { randomBytes, webcrypto } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { hostname, networkInterfaces } from 'node:os';
import { join } from 'node:path';

export interface ServingCert {
  certPem: string;
  keyPem: string;
}

const ecdsa = { name: 'ECDSA', namedCurve: 'P-256', hash: 'SHA-256' } as const;
const tenYears = 10 * 365 * 24 * 3600 * 1000;

function localAddresses(): string[] {
  const out = new Set(['127.0.0.1', '::1']);
  for (const list of Object.values(networkInterfaces())) for (const a of list ?? []) out.add(a.address);
  return [...out];
}

async function generate(): Promise<ServingCert> {
  // Imported lazily: the library is slow to load and only needed on first start.
  const x509 = await import('@peculiar/x509');
  const crypto = webcrypto as any;
  x509.cryptoProvider.set(crypto);
  const keys = await crypto.subtle.generateKey(ecdsa, true, ['sign', 'verify']);
  const notBefore = new Date(Date.now() - 60_000);
  const cert = await x509.X509CertificateGenerator.createSelfSigned({
    serialNumber: `01${randomBytes(15).toString('hex')}`,
    name: `CN=${hostname()}@hale-agent`,
    notBefore,
    notAfter: new Date(notBefore.getTime() + tenYears),
    keys,
    signingAlgorithm: ecdsa,
    extensions: [
      new x509.BasicConstraintsExtension(false),
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.digitalSignature | x509.KeyUsageFlags.keyEncipherment, true),
      new x509.ExtendedKeyUsageExtension([x509.ExtendedKeyUsage.serverAuth]),
      new x509.SubjectAlternativeNameExtension([
        { type: 'dns', value: 'localhost' },
        { type: 'dns', value: hostname() },
        ...localAddresses().map((value) => ({ type: 'ip' as const, value })),
      ]),
    ],
  });
  const der = await crypto.subtle.exportKey('pkcs8', keys.privateKey);
  const b64 = Buffer.from(der)
    .toString('base64')
    .replace(/(.{64})/g, '$1\n');
  return { certPem: cert.toString('pem'), keyPem: `-----BEGIN PRIVATE KEY-----\n${b64}\n-----END PRIVATE KEY-----\n` };
}

/** Reads `<dataDir>/tls/agent-serving.{crt,key}`, creating them the first time. */
export async function loadOrCreateServingCert(dataDir: string): Promise<ServingCert> {
  const dir = join(dataDir, 'tls');
  const certFile = join(dir, 'agent-serving.crt');
  const keyFile = join(dir, 'agent-serving.key');
  if (existsSync(certFile) && existsSync(keyFile)) {
    return { certPem: readFileSync(certFile, 'utf8'), keyPem: readFileSync(keyFile, 'utf8') };
  }
  const created = await generate();
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  writeFileSync(keyFile, created.keyPem, { mode: 0o600 });
  writeFileSync(certFile, created.certPem, { mode: 0o644 });
  return created;
}
