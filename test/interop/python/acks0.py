# kafka-python fire-and-forget: acks=0, close right after flush; then read everything back.
# usage: acks0.py PORT TOPIC COUNT ; prints the number of records read.
import sys

from kafka import KafkaConsumer, KafkaProducer

port, topic, count = sys.argv[1], sys.argv[2], int(sys.argv[3])
bootstrap = ['127.0.0.1:%s' % port]
producer = KafkaProducer(bootstrap_servers=bootstrap, acks=0)
for i in range(count):
    producer.send(topic, b'fire-%d' % i)
producer.flush()
producer.close()
consumer = KafkaConsumer(topic, bootstrap_servers=bootstrap, auto_offset_reset='earliest', consumer_timeout_ms=3000)
# Distinct values: stop once all have come (only a shortfall needs the 3 s without a message).
seen = set()
for m in consumer:
    seen.add(m.value)
    if len(seen) == count:
        break
print(len(seen))
consumer.close()
