# kafka-python producer and consumer throughput, for bench/kafka-wire.ts.
# usage: throughput.py PORT TOPIC COUNT SIZE ; prints {"produce_s": t, "consume_s": t, "consumed": n}
import json
import sys
import time

from kafka import KafkaConsumer, KafkaProducer

port, topic, count, size = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
bootstrap = ['127.0.0.1:%s' % port]
value = b'x' * size
producer = KafkaProducer(bootstrap_servers=bootstrap, acks=1, linger_ms=5, batch_size=256 * 1024)
producer.send(topic, value).get(timeout=30)  # topic created and metadata warm before timing
start = time.time()
for _ in range(count):
    producer.send(topic, value)
producer.flush()
produce_s = time.time() - start
producer.close()

consumer = KafkaConsumer(topic, bootstrap_servers=bootstrap, auto_offset_reset='earliest',
                         consumer_timeout_ms=10000, max_partition_fetch_bytes=4 * 1024 * 1024)
start = time.time()
n = 0
for _ in consumer:
    n += 1
    if n >= count + 1:
        break
consume_s = time.time() - start
consumer.close()
print(json.dumps({'produce_s': produce_s, 'consume_s': consume_s, 'consumed': n}))
