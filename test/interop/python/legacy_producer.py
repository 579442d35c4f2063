"""Produces with kafka-python pinned to an old broker version, so that it sends message sets of
magic 0 (api_version 0.9: Produce v1) or magic 1 (0.10.1: Produce v2), optionally compressed.
argv: port topic count api_version(e.g. 0.10.1) compression(none|gzip|snappy|lz4)
Prints the timestamps it gave (ms) as one JSON list."""
import json
import sys

from kafka import KafkaProducer

port, topic, count, version, codec = sys.argv[1], sys.argv[2], int(sys.argv[3]), sys.argv[4], sys.argv[5]
producer = KafkaProducer(
    bootstrap_servers=['127.0.0.1:%s' % port],
    api_version=tuple(int(x) for x in version.split('.')),
    compression_type=None if codec == 'none' else codec,
    linger_ms=50,
)
stamps = []
for i in range(count):
    ts = 1700000000000 + i
    stamps.append(ts)
    kwargs = {'timestamp_ms': ts} if version != '0.9' else {}
    producer.send(topic, key=('k%d' % i).encode(), value=('%s-%d' % (codec, i)).encode(), **kwargs)
producer.flush()
producer.close()
print(json.dumps(stamps))
