// A throw-away self-signed certificate for the fake voice gateway. @discordjs/voice hard-codes
// `wss://${endpoint}?v=8` (dist/index.js:1423), so the fake must speak TLS and the bot must trust it:
// a bot process gets NODE_EXTRA_CA_CERTS=<certPath> at launch; an in-process test calls trustInProcess().
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tls from 'node:tls';
import { promisify } from 'node:util';

const run = promisify(execFile);

export interface SelfSignedCert {
  key: string;
  cert: string;
  /** The PEM on disk (for NODE_EXTRA_CA_CERTS); removed by `dispose()`. */
  certPath: string;
  dispose(): Promise<void>;
}

/** `openssl req -x509` for 127.0.0.1 (subjectAltName IP:127.0.0.1, which TLS hostname checks need for an IP). */
export async function makeSelfSignedCert(): Promise<SelfSignedCert> {
  const dir = await mkdtemp(join(tmpdir(), 'helix-voice-tls-'));
  const keyPath = join(dir, 'key.pem');
  const certPath = join(dir, 'cert.pem');
  await run('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', keyPath, '-out', certPath, '-days', '2', '-subj', '/CN=127.0.0.1', '-addext', 'subjectAltName=IP:127.0.0.1']);
  const [key, cert] = await Promise.all([readFile(keyPath, 'utf8'), readFile(certPath, 'utf8')]);
  return { key, cert, certPath, dispose: () => rm(dir, { recursive: true, force: true }) };
}

/**
 * Adds `certPem` to this process's default CA list (Node >= 22.15 / 24: tls.setDefaultCACertificates), so the
 * `ws` client inside @discordjs/voice, which passes no `ca`, accepts the fake. Narrower than
 * NODE_TLS_REJECT_UNAUTHORIZED=0: only this certificate is added, verification stays on.
 */
export function trustInProcess(certPem: string): void {
  const current = tls.getCACertificates('default');
  if (!current.includes(certPem)) tls.setDefaultCACertificates([...current, certPem]);
}
