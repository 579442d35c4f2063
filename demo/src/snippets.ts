/**
 * @module "Use it for real": each action of a lesson as the `brook` CLI command, kafka-python code
 * and kafkajs code (brook's client has the same API) that does the same against a Kafka broker.
 */

import { signal } from '@preact/signals'

export interface Snippets {
  cli: string
  python: string
  js: string
}

export const lastAction = signal<Snippets | null>(null)

const q = (s: string) => JSON.stringify(s)
/** A value for a POSIX shell's single quotes. */
const sh = (s: string) => `'${s.replace(/'/g, `'\\''`)}'`

const PY_PRODUCER =
  "from kafka import KafkaProducer\nproducer = KafkaProducer(bootstrap_servers='localhost:9092')"
const JS_CLIENT = "import { Kafka } from 'kafkajs'\nconst kafka = new Kafka({ brokers: ['localhost:9092'] })"

export const snippets = {
  createTopic(topic: string, partitions: number): Snippets {
    return {
      cli: `npx brook topics --bootstrap-server localhost:9092 --create --topic ${sh(topic)} --partitions ${partitions}`,
      python: `from kafka.admin import KafkaAdminClient, NewTopic\nadmin = KafkaAdminClient(bootstrap_servers='localhost:9092')\nadmin.create_topics([NewTopic(${q(topic)}, num_partitions=${partitions}, replication_factor=1)])`,
      js: `${JS_CLIENT}\nconst admin = kafka.admin()\nawait admin.connect()\nawait admin.createTopics({ topics: [{ topic: ${q(topic)}, numPartitions: ${partitions} }] })`,
    }
  },

  produce(topic: string, key: string | null, value: string): Snippets {
    const keyed = key !== null
    return {
      cli: keyed
        ? `printf '%s\\n' ${sh(`${key}:${value}`)} | npx brook console-producer --topic ${sh(topic)} --property parse.key=true --property key.separator=:`
        : `printf '%s\\n' ${sh(value)} | npx brook console-producer --topic ${sh(topic)}`,
      python: `${PY_PRODUCER}\nproducer.send(${q(topic)}, ${keyed ? `key=${q(key)}.encode(), ` : ''}value=${q(value)}.encode())\nproducer.flush()`,
      js: `${JS_CLIENT}\nconst producer = kafka.producer()\nawait producer.connect()\nawait producer.send({ topic: ${q(topic)}, messages: [{ ${keyed ? `key: ${q(key)}, ` : ''}value: ${q(value)} }] })`,
    }
  },

  producer(topic: string, lingerMs: number, acks: 0 | 1 | -1, idempotent: boolean): Snippets {
    // brook's console producer has no linger: it sends what stdin gives it as it comes.
    const pyAcks = acks === -1 ? "'all'" : String(acks)
    return {
      cli: `seq 1000 | npx brook console-producer --bootstrap-server localhost:9092 --topic ${sh(topic)} --producer-property acks=${acks === -1 ? 'all' : acks} --producer-property enable.idempotence=${idempotent}`,
      python: `from kafka import KafkaProducer\n# kafka-python 2.0.2 has no idempotence\nproducer = KafkaProducer(bootstrap_servers='localhost:9092', linger_ms=${lingerMs}, acks=${pyAcks})\nfor i in range(1000):\n    producer.send(${q(topic)}, key=b'P1', value=f'P1-{i}'.encode())\nproducer.flush()`,
      js: `${JS_CLIENT}\nconst producer = kafka.producer({ idempotent: ${idempotent} })\nawait producer.connect()\n// kafkajs sends each send() as it comes (no linger); brook's client takes lingerMs: ${lingerMs}\nawait producer.send({ topic: ${q(topic)}, acks: ${acks}, messages: [{ key: 'P1', value: 'P1-0' }] })`,
    }
  },

  produceMany(topic: string, messages: { key?: string; value: string }[]): Snippets {
    const lines = messages.map((m) => (m.key === undefined ? m.value : `${m.key}:${m.value}`))
    const keyed = messages.some((m) => m.key !== undefined)
    const py = messages.map((m) =>
      m.key === undefined ? `(None, ${q(m.value)})` : `(${q(m.key)}, ${q(m.value)})`,
    )
    return {
      cli: `printf '%s\\n' ${lines.map(sh).join(' ')} | npx brook console-producer --topic ${sh(topic)}${keyed ? ' --property parse.key=true --property key.separator=:' : ''}`,
      python: `${PY_PRODUCER}\nfor key, value in [${py.join(', ')}]:\n    producer.send(${q(topic)}, key=key and key.encode(), value=value.encode())\nproducer.flush()`,
      js: `${JS_CLIENT}\nconst producer = kafka.producer()\nawait producer.connect()\nawait producer.send({ topic: ${q(topic)}, messages: ${JSON.stringify(messages)} })`,
    }
  },

  addPartitions(topic: string, count: number): Snippets {
    return {
      cli: `npx brook topics --bootstrap-server localhost:9092 --alter --topic ${sh(topic)} --partitions ${count}`,
      python: `from kafka.admin import KafkaAdminClient, NewPartitions\nadmin = KafkaAdminClient(bootstrap_servers='localhost:9092')\nadmin.create_partitions({${q(topic)}: NewPartitions(total_count=${count})})`,
      js: `${JS_CLIENT}\nconst admin = kafka.admin()\nawait admin.connect()\nawait admin.createPartitions({ topicPartitions: [{ topic: ${q(topic)}, count: ${count} }] })`,
    }
  },

  joinGroup(topic: string, groupId: string, assignor: 'range' | 'roundrobin'): Snippets {
    const py = assignor === 'range' ? 'RangePartitionAssignor' : 'RoundRobinPartitionAssignor'
    const pyModule = assignor === 'range' ? 'range' : 'roundrobin'
    return {
      cli: `npx brook console-consumer --bootstrap-server localhost:9092 --topic ${sh(topic)} --group ${sh(groupId)} --from-beginning`,
      python: `from kafka import KafkaConsumer\nfrom kafka.coordinator.assignors.${pyModule} import ${py}\nconsumer = KafkaConsumer(${q(topic)}, bootstrap_servers='localhost:9092', group_id=${q(groupId)},\n    auto_offset_reset='earliest', enable_auto_commit=False, partition_assignment_strategy=[${py}])\nfor message in consumer:\n    print(message.partition, message.offset, message.value)`,
      js: `import { Kafka, PartitionAssigners } from 'kafkajs'\nconst kafka = new Kafka({ brokers: ['localhost:9092'] })\nconst consumer = kafka.consumer({ groupId: ${q(groupId)}, partitionAssigners: [PartitionAssigners.${assignor === 'range' ? 'range' : 'roundRobin'}] })\nawait consumer.connect()\nawait consumer.subscribe({ topics: [${q(topic)}], fromBeginning: true })\nawait consumer.run({ autoCommit: false, eachMessage: async ({ partition, message }) => console.log(partition, message.offset) })`,
    }
  },

  commit(topic: string, groupId: string, offsets: Record<number, number>): Snippets {
    const list = Object.entries(offsets)
    return {
      cli: `# commits as it reads; or set a group's offsets by hand:\n${list.map(([p, o]) => `npx brook consumer-groups --bootstrap-server localhost:9092 --group ${sh(groupId)} --reset-offsets --topic ${sh(`${topic}:${p}`)} --to-offset ${o} --execute`).join('\n')}`,
      python: `from kafka import TopicPartition\nfrom kafka.structs import OffsetAndMetadata\nconsumer.commit({${list.map(([p, o]) => `TopicPartition(${q(topic)}, ${p}): OffsetAndMetadata(${o}, '')`).join(', ')}})`,
      js: `await consumer.commitOffsets([${list.map(([p, o]) => `{ topic: ${q(topic)}, partition: ${p}, offset: '${o}' }`).join(', ')}])`,
    }
  },

  describeGroup(groupId: string): Snippets {
    return {
      cli: `npx brook consumer-groups --bootstrap-server localhost:9092 --describe --group ${sh(groupId)}`,
      python: `from kafka.admin import KafkaAdminClient\nadmin = KafkaAdminClient(bootstrap_servers='localhost:9092')\nprint(admin.describe_consumer_groups([${q(groupId)}]))\nprint(admin.list_consumer_group_offsets(${q(groupId)}))`,
      js: `${JS_CLIENT}\nconst admin = kafka.admin()\nawait admin.connect()\nconsole.log(await admin.describeGroups([${q(groupId)}]))\nconsole.log(await admin.fetchOffsets({ groupId: ${q(groupId)} }))`,
    }
  },

  /** `changed`: the configs set ('' = back to the default); `all`: the topic's explicit configs after. */
  alterConfigs(topic: string, changed: Record<string, string>, all: Record<string, string>): Snippets {
    const set = Object.entries(changed).filter(([, v]) => v !== '')
    const removed = Object.entries(changed)
      .filter(([, v]) => v === '')
      .map(([k]) => k)
    const add = set.map(([k, v]) => `${k}=${v.includes(',') ? `[${v}]` : v}`).join(',')
    return {
      cli: `npx brook configs --bootstrap-server localhost:9092 --topic ${sh(topic)} --alter${add ? ` --add-config ${sh(add)}` : ''}${removed.length ? ` --delete-config ${removed.join(',')}` : ''}`,
      python: `from kafka.admin import KafkaAdminClient, ConfigResource, ConfigResourceType\nadmin = KafkaAdminClient(bootstrap_servers='localhost:9092')\n# AlterConfigs replaces the topic's configs: give all of them\nadmin.alter_configs([ConfigResource(ConfigResourceType.TOPIC, ${q(topic)}, configs=${JSON.stringify(all)})])`,
      js: `${JS_CLIENT}\nconst admin = kafka.admin()\nawait admin.connect()\n// AlterConfigs replaces the topic's configs: give all of them\nawait admin.alterConfigs({ validateOnly: false, resources: [{ type: 2, name: ${q(topic)}, configEntries: ${JSON.stringify(Object.entries(all).map(([name, value]) => ({ name, value })))} }] })`,
    }
  },

  deleteRecords(topic: string, partition: number, offset: number): Snippets {
    return {
      cli: `# kafka-delete-records.sh takes the same JSON; brook's CLI has no such command yet\necho '{"partitions":[{"topic":${q(topic)},"partition":${partition},"offset":${offset}}]}' > delete.json\nkafka-delete-records.sh --bootstrap-server localhost:9092 --offset-json-file delete.json`,
      python: `from kafka.admin import KafkaAdminClient\nfrom kafka import TopicPartition\nadmin = KafkaAdminClient(bootstrap_servers='localhost:9092')\n# kafka-python 2.0.2 has no delete_records; newer kafka-python (2.1+):\nadmin.delete_records({TopicPartition(${q(topic)}, ${partition}): ${offset}})`,
      js: `${JS_CLIENT}\nconst admin = kafka.admin()\nawait admin.connect()\nawait admin.deleteTopicRecords({ topic: ${q(topic)}, partitions: [{ partition: ${partition}, offset: ${q(String(offset))} }] })`,
    }
  },

  /** Notes written into the page's broker, which uploads them to the relay (lesson 8). */
  writeNotes(relay: string, values: string[]): Snippets {
    const kafka = snippets.produceMany(
      'notes',
      values.map((value) => ({ value })),
    )
    return {
      cli: `# online, straight to the relay's Kafka listener:\n${kafka.cli}`,
      python: `# online, straight to the relay's Kafka listener:\n${kafka.python}`,
      js: `${syncConnect(relay)}\n// stored at once, online or not; the broker's worker uploads it when it can\nawait brook.producer().send({ topic: 'notes', messages: ${JSON.stringify(values.map((value) => ({ value })))} })\nconst { backlog } = await brook.sync.status()  // backlog.notes: { records, bytes }`,
    }
  },

  /** The network as the broker's worker sees it, and what the relay holds meanwhile (lesson 8). */
  network(relay: string, online: boolean): Snippets {
    return {
      cli: `# what the relay holds (${online ? 'the backlog is draining into it' : 'nothing arrives while offline'}):\nnpx brook console-consumer --bootstrap-server localhost:9092 --topic notes --from-beginning --timeout-ms 1000`,
      python: `from kafka import KafkaConsumer\nconsumer = KafkaConsumer('notes', bootstrap_servers='localhost:9092', auto_offset_reset='earliest', consumer_timeout_ms=1000)\nfor message in consumer:\n    print(message.partition, message.offset, message.value)`,
      js: `${syncConnect(relay)}\n// brook reports the browser's online and offline events to the worker by itself; by hand:\nawait brook.service.sync({ op: 'network', online: ${online} })\nbrook.sync.onStatus((s) => console.log(s.state, s.network, s.backlog.notes, s.uploaded, s.downloaded))`,
    }
  },

  /** Another device writes to the relay; the page's broker downloads it (lesson 8). */
  postNews(relay: string, values: string[]): Snippets {
    const body = JSON.stringify({ records: values.map((valueText) => ({ valueText })) })
    return {
      cli: `curl -X POST ${relay}/v1/topics/news/records -H 'content-type: application/json' \\\n  -d ${sh(body)}`,
      python: `${PY_PRODUCER}\nfor value in ${JSON.stringify(values)}:\n    producer.send('news', value=value.encode())\nproducer.flush()`,
      js: `${JS_CLIENT}\nconst producer = kafka.producer()\nawait producer.connect()\nawait producer.send({ topic: 'news', messages: ${JSON.stringify(values.map((value) => ({ value })))} })`,
    }
  },
}

function syncConnect(relay: string): string {
  return `import { connect } from 'brook/worker'\nconst brook = await connect({\n  name: 'brook-demo',\n  sync: { url: ${q(relay)}, upload: ['notes'], download: ['news'] },\n})`
}
