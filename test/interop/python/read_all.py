# Reads `count` records of a topic from the beginning with kafka-python and prints their values as
# one JSON list. argv: port topic count.
import json
import sys

from kafka import KafkaConsumer

port, topic, count = sys.argv[1], sys.argv[2], int(sys.argv[3])
consumer = KafkaConsumer(
    topic,
    bootstrap_servers=['127.0.0.1:%s' % port],
    auto_offset_reset='earliest',
    consumer_timeout_ms=20000,
)
values = []
for message in consumer:
    values.append(message.value.decode('utf-8'))
    if len(values) >= count:
        break
consumer.close()
print(json.dumps(values))
