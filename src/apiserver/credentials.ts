// The cluster's credentials, created on first start and reused afterwards (like k3s):
// a CA, a serving certificate signed by it, the admin bearer token, the agent join token and
// the service account signing key, all kept under DATA_DIR/tls and DATA_DIR.
import { generateKeyPairSync, randomBytes, webcrypto } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { hostname, networkInterfaces } from 'node:os';
import { join } from 'node:path';

export interface Credentials {
  caPem: string;
  certPem: string;
  keyPem: string;
  adminToken: string;
  agentToken: string;
  /** Signs service account tokens (PKCS#8 PEM, EC P-256). */
  serviceAccountKeyPem: string;
}

const ecdsa = { name: 'ECDSA', namedCurve: 'P-256', hash: 'SHA-256' } as const;
const tenYears = 10 * 365 * 24 * 3600 * 1000;

function pemKey(der: ArrayBuffer): string {
  const b64 = Buffer.from(der)
    .toString('base64')
    .replace(/(.{64})/g, '$1\n');
  return `-----BEGIN PRIVATE KEY-----\n${b64}\n-----END PRIVATE KEY-----\n`;
}

function serial(): string {
  // Positive, non-zero serial number.
  return `01${randomBytes(15).toString('hex')}`;
}

function localAddresses(): string[] {
  const out = new Set(['127.0.0.1', '::1']);
  for (const list of Object.values(networkInterfaces())) for (const a of list ?? []) out.add(a.address);
  return [...out];
}

async function generate(extraSans: string[]): Promise<Pick<Credentials, 'caPem' | 'certPem' | 'keyPem'>> {
  // Loaded only on first start: the library costs ~175 ms to import.
  const x509 = await import('@peculiar/x509');
  // @peculiar/x509 wants the DOM Crypto type; Node's webcrypto is that at run time.
  const crypto = webcrypto as any;
  x509.cryptoProvider.set(crypto);
  const now = new Date(Date.now() - 60_000);
  const caKeys = await crypto.subtle.generateKey(ecdsa, true, ['sign', 'verify']);
  const ca = await x509.X509CertificateGenerator.createSelfSigned({
    serialNumber: serial(),
    name: `CN=hale-ca@${Math.floor(Date.now() / 1000)}`,
    notBefore: now,
    notAfter: new Date(now.getTime() + tenYears),
    keys: caKeys,
    signingAlgorithm: ecdsa,
    extensions: [
      new x509.BasicConstraintsExtension(true, undefined, true),
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign | x509.KeyUsageFlags.digitalSignature, true),
      await x509.SubjectKeyIdentifierExtension.create(caKeys.publicKey),
    ],
  });
  const serverKeys = await crypto.subtle.generateKey(ecdsa, true, ['sign', 'verify']);
  const names = new Set(['localhost', hostname(), ...extraSans.filter((s) => !isIP(s))]);
  const ips = new Set([...localAddresses(), ...extraSans.filter(isIP)]);
  const cert = await x509.X509CertificateGenerator.create({
    serialNumber: serial(),
    subject: 'CN=hale-apiserver',
    issuer: ca.subject,
    notBefore: now,
    notAfter: new Date(now.getTime() + tenYears),
    publicKey: serverKeys.publicKey,
    signingKey: caKeys.privateKey,
    signingAlgorithm: ecdsa,
    extensions: [
      new x509.BasicConstraintsExtension(false),
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.digitalSignature | x509.KeyUsageFlags.keyEncipherment, true),
      new x509.ExtendedKeyUsageExtension([x509.ExtendedKeyUsage.serverAuth]),
      new x509.SubjectAlternativeNameExtension([
        ...[...names].map((value) => ({ type: 'dns' as const, value })),
        ...[...ips].map((value) => ({ type: 'ip' as const, value })),
      ]),
    ],
  });
  const keyDer = await crypto.subtle.exportKey('pkcs8', serverKeys.privateKey);
  return { caPem: ca.toString('pem'), certPem: cert.toString('pem'), keyPem: pemKey(keyDer) };
}

function isIP(s: string): boolean {
  return /^[0-9.]+$/.test(s) || s.includes(':');
}

function token(): string {
  return randomBytes(24).toString('hex');
}

/** The service account signing key; data directories made before it existed get one on start. */
function readOrCreateServiceAccountKey(path: string): string {
  if (!existsSync(path)) {
    const { privateKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    writeFileSync(path, privateKey.export({ type: 'pkcs8', format: 'pem' }), { mode: 0o600 });
  }
  return readFileSync(path, 'utf8');
}

/** Load the credentials from dataDir, creating whatever is missing. */
export async function ensureCredentials(dataDir: string, extraSans: string[] = []): Promise<Credentials> {
  const tlsDir = join(dataDir, 'tls');
  mkdirSync(tlsDir, { recursive: true, mode: 0o700 });
  const files = { ca: join(tlsDir, 'ca.crt'), cert: join(tlsDir, 'server.crt'), key: join(tlsDir, 'server.key') };
  if (!existsSync(files.ca) || !existsSync(files.cert) || !existsSync(files.key)) {
    const made = await generate(extraSans);
    writeFileSync(files.ca, made.caPem, { mode: 0o644 });
    writeFileSync(files.cert, made.certPem, { mode: 0o644 });
    writeFileSync(files.key, made.keyPem, { mode: 0o600 });
  }
  const readOrCreate = (path: string): string => {
    if (!existsSync(path)) writeFileSync(path, `${token()}\n`, { mode: 0o600 });
    return readFileSync(path, 'utf8').trim();
  };
  return {
    caPem: readFileSync(files.ca, 'utf8'),
    certPem: readFileSync(files.cert, 'utf8'),
    keyPem: readFileSync(files.key, 'utf8'),
    adminToken: readOrCreate(join(dataDir, 'admin-token')),
    agentToken: readOrCreate(join(dataDir, 'agent-token')),
    serviceAccountKeyPem: readOrCreateServiceAccountKey(join(tlsDir, 'service-account.key')),
  };
}
