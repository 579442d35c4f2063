/**
 * @module Test plumbing shared by the integration tests: a Kafka-protocol client wired to a broker in
 * memory (every call encoded to frames, handled by the protocol server, decoded back), and polling.
 */
import type { Broker } from '../../src/core/broker.ts'
import { FrameConnection } from '../../src/core/protocol/client-connection.ts'
import { KafkaProtocolService } from '../../src/core/protocol/client-service.ts'
import { createKafkaHandler } from '../../src/core/protocol/server.ts'
import type { BrokerService } from '../../src/core/service.ts'

/** A Kafka-protocol connection to `broker` in memory; its close is pushed onto `cleanups`. */
export async function overTheWire(broker: Broker, cleanups: (() => Promise<void>)[]): Promise<BrokerService> {
  const session = createKafkaHandler({
    service: broker,
    advertised: { nodeId: broker.nodeId, host: 'localhost', port: 9092 },
  })
  const conn: FrameConnection = new FrameConnection(
    {
      send(frame) {
        session.handle(frame.subarray(4)).then(
          (res) => {
            if (res) conn.receive(res)
          },
          () => {},
        )
      },
      close() {},
    },
    { clientId: 'wire' },
  )
  const service = await KafkaProtocolService.start(conn)
  cleanups.push(() => service.close())
  return service
}

/** Polls `cond` until it holds; fails naming `what` after `ms`. */
export async function waitFor(
  cond: () => boolean | Promise<boolean>,
  what: string,
  ms = 10_000,
): Promise<void> {
  const until = Date.now() + ms
  while (!(await cond())) {
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}`)
    await new Promise((r) => setTimeout(r, 20))
  }
}
