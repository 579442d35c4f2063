# kafka-python's KafkaAdminClient against brook; prints one JSON object with what each call returned.
# usage: admin.py PORT
import json
import sys

from kafka import KafkaAdminClient, KafkaConsumer, TopicPartition
from kafka.admin import ConfigResource, ConfigResourceType, NewPartitions, NewTopic

port = sys.argv[1]
bootstrap = ['127.0.0.1:%s' % port]
admin = KafkaAdminClient(bootstrap_servers=bootstrap)
out = {}
out['create'] = [(t, e) for t, e, *_ in admin.create_topics([NewTopic('adm', 2, 1, topic_configs={'retention.ms': '60000'})]).topic_errors]
out['topics'] = sorted(admin.list_topics())
configs = admin.describe_configs([ConfigResource(ConfigResourceType.TOPIC, 'adm')])[0].resources[0]
out['retention'] = [c[1] for c in configs[4] if c[0] == 'retention.ms']
out['partitions'] = [(t, e) for t, e, *_ in admin.create_partitions({'adm': NewPartitions(3)}).topic_errors]
# Manual replica assignments: brook is broker 1 alone, as a one-broker Kafka cluster would check them.
out['assigned'] = [(t, e) for t, e, *_ in admin.create_partitions({'adm': NewPartitions(4, [[1]])}).topic_errors]


def refusal(partitions):
    # kafka-python raises the topic's error as Kafka answered it.
    try:
        admin.create_partitions(partitions)
        return None
    except Exception as e:
        return [type(e).__name__, e.errno, str(e).split("error_message='")[-1].split("'")[0]]


out['unknownBroker'] = refusal({'adm': NewPartitions(6, [[7], [1]])})
out['wrongCount'] = refusal({'adm': NewPartitions(6, [[1]])})
out['count'] = len(admin.describe_topics(['adm'])[0]['partitions'])
altered = admin.alter_configs([ConfigResource(ConfigResourceType.TOPIC, 'adm', configs={'retention.ms': '120000', 'cleanup.policy': 'compact,delete'})])
out['alter'] = [(r[3], r[0]) for r in altered.resources]
configs = admin.describe_configs([ConfigResource(ConfigResourceType.TOPIC, 'adm')])[0].resources[0]
out['altered'] = {c[0]: c[1] for c in configs[4] if c[0] in ('retention.ms', 'cleanup.policy')}
bad = admin.alter_configs([ConfigResource(ConfigResourceType.TOPIC, 'adm', configs={'retention.ms': 'soon'})])
out['bad'] = [(r[3], r[0]) for r in bad.resources]

consumer = KafkaConsumer(bootstrap_servers=bootstrap, group_id='adm-group', enable_auto_commit=False)
consumer.assign([TopicPartition('adm', 0)])
consumer.commit({TopicPartition('adm', 0): __import__('kafka.structs', fromlist=['OffsetAndMetadata']).OffsetAndMetadata(0, '')})
consumer.close()
out['groups'] = sorted(g[0] for g in admin.list_consumer_groups())
out['offsets'] = {'%s-%d' % (tp.topic, tp.partition): om.offset for tp, om in admin.list_consumer_group_offsets('adm-group').items()}
out['delete'] = [(t, e) for t, e in admin.delete_topics(['adm']).topic_error_codes]
admin.close()
print(json.dumps(out))
