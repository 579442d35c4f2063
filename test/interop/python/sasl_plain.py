# kafka-python over SASL/PLAIN: produce one record and read it back. usage: sasl_plain.py PORT USER PASSWORD
import sys

from kafka import KafkaConsumer, KafkaProducer

port, user, password = sys.argv[1:4]
auth = dict(
    bootstrap_servers=['127.0.0.1:%s' % port],
    security_protocol='SASL_PLAINTEXT',
    sasl_mechanism='PLAIN',
    sasl_plain_username=user,
    sasl_plain_password=password,
)
producer = KafkaProducer(**auth)
producer.send('secured-py', b'over sasl').get(timeout=20)
producer.close()
consumer = KafkaConsumer('secured-py', auto_offset_reset='earliest', consumer_timeout_ms=5000, **auth)
for message in consumer:
    print(message.value.decode())
    break
consumer.close()
