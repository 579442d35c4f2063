/** @module The Kafka wire protocol: message descriptions, the codec, frames. Explicit named exports only. */

export type {
  FrameConnectionOptions,
  FrameTransport,
  KafkaConnection,
  RequestOptions,
} from './client-connection.ts'
export { FrameConnection } from './client-connection.ts'
export type { NegotiateOptions, SaslMechanism, SaslOptions, SaslPlain, Versions } from './client-negotiate.ts'
export { CLIENT_VERSIONS, negotiate } from './client-negotiate.ts'
export type { KafkaProtocolServiceOptions } from './client-service.ts'
export { KafkaProtocolService } from './client-service.ts'
export type { Body, Plan } from './codec.ts'
export { decodeWith, defaultValue, encodeWith, planFor, uuidFromString, uuidToString } from './codec.ts'
export type { ApiDesc, FieldDesc, FieldType, MessageDesc, VersionRange } from './desc.ts'
export type {
  DecodedHeader,
  DecodedRequest,
  EncodeOptions,
  RequestHeader,
  VersionRangeEntry,
} from './frames.ts'
export {
  API_KEYS,
  API_NAMES,
  decodeRequest,
  decodeRequestHeader,
  decodeResponse,
  encodeRequest,
  encodeResponse,
  frame,
  isFlexible,
  isSupported,
  responseCorrelationId,
  supportedVersions,
} from './frames.ts'
export { WireReader, WireWriter } from './io.ts'
export { APIS, REQUEST_HEADER, RESPONSE_HEADER } from './messages.generated.ts'
export type { ScramCredential, ScramLookup, ScramMechanism, ScramServerStep } from './sasl-scram.ts'
export { SCRAM_MECHANISMS, ScramClient, ScramServer, scramCredential, scramLookup } from './sasl-scram.ts'
export type * from './types.generated.ts'
