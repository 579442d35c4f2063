/**
 * The zstd WebAssembly inlined in src/core/format/codecs/zstd-wasm.generated.ts is exactly the one
 * the installed @bokuweb/zstd-wasm ships, with its export and import names read from that version's
 * glue: an update of the package without re-running scripts/gen-zstd-wasm.ts fails here.
 */
import { describe, expect, it } from 'vitest'
import { extract } from '../scripts/gen-zstd-wasm.ts'
import * as generated from '../src/core/format/codecs/zstd-wasm.generated.ts'

describe('zstd-wasm.generated.ts', () => {
  it('holds what scripts/gen-zstd-wasm.ts reads from the installed package', () => {
    const build = extract()
    expect({
      version: generated.ZSTD_WASM_VERSION,
      exports: generated.ZSTD_WASM_EXPORTS,
      importModule: generated.ZSTD_WASM_IMPORT_MODULE,
      imports: generated.ZSTD_WASM_IMPORTS,
      sameBytes: generated.ZSTD_WASM_BASE64 === build.base64,
    }).toEqual({ ...build, base64: undefined, sameBytes: true })
  })
})
