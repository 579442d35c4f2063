# kafka-python (current protocol: magic 2 record batches) producing COUNT records with a codec.
# usage: kp_produce.py PORT TOPIC COUNT CODEC(none|gzip|snappy|lz4|zstd)
# Keys "kI", values "CODEC-I", one header "i" = I, timestamps 1700000000000 + I.
import sys

from kafka import KafkaProducer

port, topic, count, codec = sys.argv[1], sys.argv[2], int(sys.argv[3]), sys.argv[4]
producer = KafkaProducer(
    bootstrap_servers=['127.0.0.1:%s' % port],
    compression_type=None if codec == 'none' else codec,
    linger_ms=50,
)
for i in range(count):
    producer.send(
        topic,
        key=('k%d' % i).encode(),
        value=('%s-%d' % (codec, i)).encode(),
        headers=[('i', str(i).encode())],
        timestamp_ms=1700000000000 + i,
    )
producer.flush()
producer.close()
