# One kafka-python consumer-group member driven line by line on stdin, reporting on stdout as JSON:
#   {"assigned": [partitions]} when its assignment changes, {"p", "o", "v"} per record,
#   {"committed": [p, o]} after a commit. Commands: "commit <partition> <offset>", "close".
# usage: group_member.py PORT TOPIC GROUP NAME
import json
import select
import sys

from kafka import KafkaConsumer, TopicPartition
from kafka.structs import OffsetAndMetadata

port, topic, group, name = sys.argv[1:5]
consumer = KafkaConsumer(
    topic,
    bootstrap_servers=['127.0.0.1:%s' % port],
    group_id=group,
    client_id=name,
    enable_auto_commit=False,
    auto_offset_reset='earliest',
    heartbeat_interval_ms=300,
    session_timeout_ms=10000,
)


def say(obj):
    sys.stdout.write(json.dumps(obj) + '\n')
    sys.stdout.flush()


assigned = None
while True:
    batches = consumer.poll(timeout_ms=100)
    now = sorted(tp.partition for tp in consumer.assignment())
    if now != assigned:
        assigned = now
        say({'assigned': now})
    for tp, records in batches.items():
        for r in records:
            say({'p': r.partition, 'o': r.offset, 'v': r.value.decode('utf-8')})
    ready, _, _ = select.select([sys.stdin], [], [], 0)
    if ready:
        line = sys.stdin.readline().split()
        if not line or line[0] == 'close':
            consumer.close(autocommit=False)
            say({'closed': name})
            break
        if line[0] == 'commit':
            p, o = int(line[1]), int(line[2])
            consumer.commit({TopicPartition(topic, p): OffsetAndMetadata(o, '')})
            say({'committed': [p, o]})
