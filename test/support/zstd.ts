/** zstd bytes made by Python's zstandard (the library kafka-python uses): an independent writer. */
import { spawnSync } from 'node:child_process'

export function zstdByPython(data: Uint8Array): Uint8Array {
  const r = spawnSync(
    '/usr/bin/python3',
    [
      '-c',
      'import sys,zstandard;sys.stdout.buffer.write(zstandard.ZstdCompressor().compress(sys.stdin.buffer.read()))',
    ],
    { input: data },
  )
  if (r.status !== 0) throw new Error(`python3 zstandard failed: ${r.stderr}`)
  return new Uint8Array(r.stdout)
}
