/**
 * @module Errors across postMessage. Structured clone and comlink's default handler keep only
 * `message`/`name`/`stack`, so a BrookError's Kafka `type`, `code` and `retriable` would be lost;
 * these functions and the `brook-error` comlink handler carry them over.
 */

import type { TransferHandler } from 'comlink'
import { transferHandlers } from 'comlink'
import type { KafkaErrorName } from '../core/errors.ts'
import { BrookError, errorDetail, isBrookError } from '../core/errors.ts'

export interface WireError {
  brook: boolean
  type?: KafkaErrorName
  /** A BrookError's message without its type prefix. */
  detail?: string
  name: string
  message: string
  stack?: string
}

export function toWireError(e: unknown): WireError {
  if (isBrookError(e)) {
    return {
      brook: true,
      type: e.type,
      detail: errorDetail(e),
      name: e.name,
      message: e.message,
      stack: e.stack,
    }
  }
  if (e instanceof Error) return { brook: false, name: e.name, message: e.message, stack: e.stack }
  return { brook: false, name: 'Error', message: String(e) }
}

export function fromWireError(w: WireError): Error {
  if (w.brook && w.type) {
    const err = new BrookError(w.type, w.detail ?? errorDetail({ ...w, name: 'BrookError' }))
    if (w.stack) err.stack = w.stack
    return err
  }
  const err = new Error(w.message)
  err.name = w.name
  if (w.stack) err.stack = w.stack
  return err
}

const brookErrorHandler: TransferHandler<BrookError, WireError> = {
  canHandle: (v): v is BrookError => isBrookError(v),
  serialize: (e) => [toWireError(e), []],
  deserialize: (w) => fromWireError(w) as BrookError,
}

let installed = false

/**
 * Registers `brook-error` for returned errors and replaces comlink's `throw` handler (the one used
 * for rejections) with one that keeps BrookError fields. Both sides of a boundary must call this.
 */
export function installErrorHandlers(): void {
  if (installed) return
  installed = true
  transferHandlers.set('brook-error', brookErrorHandler as TransferHandler<unknown, unknown>)
  const original = transferHandlers.get('throw')!
  const throwHandler: TransferHandler<{ value: unknown }, { isError: boolean; value: unknown }> = {
    canHandle: (v): v is { value: unknown } => original.canHandle(v),
    serialize: ({ value }) => {
      if (value instanceof Error || isBrookError(value))
        return [{ isError: true, value: toWireError(value) }, []]
      return [{ isError: false, value }, []]
    },
    deserialize: (s) => {
      throw s.isError ? fromWireError(s.value as WireError) : s.value
    },
  }
  transferHandlers.set('throw', throwHandler as TransferHandler<unknown, unknown>)
}
