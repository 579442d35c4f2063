# confluent-kafka (librdkafka): an idempotent acks=all producer, then a group consumer reading it all back.
# usage: confluent_idempotent.py PORT TOPIC COUNT ; prints {"delivered": n} then one line per consumed value.
import json
import sys

from confluent_kafka import Consumer, Producer

port, topic, count = sys.argv[1], sys.argv[2], int(sys.argv[3])
bootstrap = '127.0.0.1:%s' % port
errors = []
delivered = []


def on_delivery(err, msg):
    if err is not None:
        errors.append(str(err))
    else:
        delivered.append((msg.partition(), msg.offset()))


p = Producer({'bootstrap.servers': bootstrap, 'enable.idempotence': True, 'acks': 'all', 'linger.ms': 5})
for i in range(count):
    p.produce(topic, key=('k%d' % (i % 7)).encode(), value=('v%d' % i).encode(), on_delivery=on_delivery)
    p.poll(0)
left = p.flush(30)
print(json.dumps({'delivered': len(delivered), 'errors': errors, 'left': left}), flush=True)

c = Consumer({
    'bootstrap.servers': bootstrap,
    'group.id': 'confluent-check',
    'auto.offset.reset': 'earliest',
    'enable.partition.eof': True,
})
c.subscribe([topic])
seen = 0
eof = set()
while True:
    m = c.poll(10.0)
    if m is None:
        print(json.dumps({'timeout': True}), flush=True)
        break
    if m.error():
        if m.error().code() == -191:  # _PARTITION_EOF
            eof.add(m.partition())
            if seen >= count:
                break
            continue
        print(json.dumps({'error': str(m.error())}), flush=True)
        break
    seen += 1
    print(json.dumps({'p': m.partition(), 'o': m.offset(), 'v': m.value().decode()}), flush=True)
c.close()
