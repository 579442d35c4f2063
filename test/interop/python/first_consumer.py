# A new user's first kafka-python consumer, as written in a tutorial; only the port comes from argv.
import json
import sys

from kafka import KafkaConsumer

consumer = KafkaConsumer('test-topic', bootstrap_servers=['localhost:%s' % sys.argv[1]])
for message in consumer:
    print(json.loads(message.value))
