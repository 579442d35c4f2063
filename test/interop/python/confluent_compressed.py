# confluent-kafka (librdkafka) producing with a codec: compression.type set on the producer.
# usage: confluent_compressed.py PORT TOPIC COUNT CODEC [idempotent]
# Values are "CODEC record I" plus a repeated tail, keys "kI", one header "i" = I; prints
# {"delivered": n, "errors": [...], "left": n} once every delivery report came back.
import json
import sys

from confluent_kafka import Producer

port, topic, count, codec = sys.argv[1], sys.argv[2], int(sys.argv[3]), sys.argv[4]
idempotent = len(sys.argv) > 5 and sys.argv[5] == 'idempotent'
errors = []
delivered = []


def on_delivery(err, msg):
    if err is not None:
        errors.append(str(err))
    else:
        delivered.append(msg.offset())


conf = {
    'bootstrap.servers': '127.0.0.1:%s' % port,
    'compression.type': codec,
    # Batches of many records, so every batch is worth compressing.
    'linger.ms': 50,
    'batch.num.messages': 1000,
}
if idempotent:
    conf.update({'enable.idempotence': True, 'acks': 'all'})
p = Producer(conf)
for i in range(count):
    p.produce(
        topic,
        key=('k%d' % i).encode(),
        value=('%s record %d %s' % (codec, i, 'z' * (i % 60))).encode(),
        headers=[('i', str(i).encode())],
        on_delivery=on_delivery,
    )
    p.poll(0)
left = p.flush(30)
print(json.dumps({'delivered': len(delivered), 'errors': errors, 'left': left}), flush=True)
