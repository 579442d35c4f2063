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

  produceUnkeyed(topic: string, values: string[]): Snippets {
    return {
      cli: `printf '%s\\n' ${values.map(sh).join(' ')} | npx brook console-producer --topic ${sh(topic)}`,
      python: `${PY_PRODUCER}\nfor v in ${JSON.stringify(values)}:\n    producer.send(${q(topic)}, value=v.encode())\nproducer.flush()`,
      js: `${JS_CLIENT}\nconst producer = kafka.producer()\nawait producer.connect()\nawait producer.send({ topic: ${q(topic)}, messages: ${JSON.stringify(values)}.map((value) => ({ value })) })`,
    }
  },

  addPartitions(topic: string, count: number): Snippets {
    return {
      cli: `npx brook topics --bootstrap-server localhost:9092 --alter --topic ${sh(topic)} --partitions ${count}`,
      python: `from kafka.admin import KafkaAdminClient, NewPartitions\nadmin = KafkaAdminClient(bootstrap_servers='localhost:9092')\nadmin.create_partitions({${q(topic)}: NewPartitions(total_count=${count})})`,
      js: `${JS_CLIENT}\nconst admin = kafka.admin()\nawait admin.connect()\nawait admin.createPartitions({ topicPartitions: [{ topic: ${q(topic)}, count: ${count} }] })`,
    }
  },

  deleteRecords(topic: string, partition: number, offset: number): Snippets {
    return {
      cli: `# kafka-delete-records.sh takes the same JSON; brook's CLI has no such command yet\necho '{"partitions":[{"topic":${q(topic)},"partition":${partition},"offset":${offset}}]}' > delete.json\nkafka-delete-records.sh --bootstrap-server localhost:9092 --offset-json-file delete.json`,
      python: `from kafka.admin import KafkaAdminClient\nfrom kafka import TopicPartition\nadmin = KafkaAdminClient(bootstrap_servers='localhost:9092')\n# kafka-python 2.0.2 has no delete_records; newer kafka-python (2.1+):\nadmin.delete_records({TopicPartition(${q(topic)}, ${partition}): ${offset}})`,
      js: `${JS_CLIENT}\nconst admin = kafka.admin()\nawait admin.connect()\nawait admin.deleteTopicRecords({ topic: ${q(topic)}, partitions: [{ partition: ${partition}, offset: ${q(String(offset))} }] })`,
    }
  },
}
