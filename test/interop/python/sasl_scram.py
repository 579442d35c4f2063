# kafka-python over SASL/SCRAM (SaslHandshake v0, then bare SCRAM tokens): produce one record and read it
# back, or with a wrong password report the error; over TLS (SASL_SSL) when given the CA's PEM file.
# usage: sasl_scram.py PORT USER PASSWORD MECHANISM TOPIC [CAFILE]
import sys

from kafka import KafkaConsumer, KafkaProducer
from kafka.errors import KafkaError

port, user, password, mechanism, topic = sys.argv[1:6]
cafile = sys.argv[6] if len(sys.argv) > 6 else None
auth = dict(
    bootstrap_servers=['127.0.0.1:%s' % port],
    security_protocol='SASL_SSL' if cafile else 'SASL_PLAINTEXT',
    sasl_mechanism=mechanism,
    sasl_plain_username=user,
    sasl_plain_password=password,
)
if cafile:
    auth['ssl_cafile'] = cafile
try:
    producer = KafkaProducer(**auth)
except KafkaError as e:
    print('refused: %s' % type(e).__name__)
    sys.exit(0)
producer.send(topic, b'over scram').get(timeout=20)
producer.close()
consumer = KafkaConsumer(topic, auto_offset_reset='earliest', consumer_timeout_ms=5000, **auth)
for message in consumer:
    print(message.value.decode())
    break
consumer.close()
