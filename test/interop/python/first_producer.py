# A new user's first kafka-python producer, as written in a tutorial; only the port comes from argv.
import json
import sys

from kafka import KafkaProducer

producer = KafkaProducer(bootstrap_servers=['localhost:%s' % sys.argv[1]])
producer.send('test-topic', json.dumps({'hello': 'brook', 'n': 1}).encode('utf-8'))
producer.close()
