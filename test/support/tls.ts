/** @module A self-signed certificate for localhost and 127.0.0.1, made with openssl, for TLS tests. */

import { execFile } from 'node:child_process'
import { join } from 'node:path'
import { promisify } from 'node:util'

/** Writes `cert.pem` and `key.pem` into `dir` (valid two days); their paths. */
export async function selfSignedCert(dir: string): Promise<{ cert: string; key: string }> {
  const cert = join(dir, 'cert.pem')
  const key = join(dir, 'key.pem')
  await promisify(execFile)('openssl', [
    'req',
    '-x509',
    '-newkey',
    'rsa:2048',
    '-nodes',
    '-subj',
    '/CN=localhost',
    '-addext',
    'subjectAltName=DNS:localhost,IP:127.0.0.1',
    '-days',
    '2',
    '-keyout',
    key,
    '-out',
    cert,
  ])
  return { cert, key }
}
