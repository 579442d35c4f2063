# confluent-kafka (librdkafka 2.0.2) against brook's broker configs: describe broker 1, alter it, describe again.
# Prints one JSON object. usage: confluent_broker_configs.py PORT
import json
import sys

from confluent_kafka.admin import AdminClient, ConfigResource

admin = AdminClient({'bootstrap.servers': '127.0.0.1:%s' % sys.argv[1]})
broker = ConfigResource('broker', '1')


def describe(names):
    configs = admin.describe_configs([broker])[broker].result(10)
    return {n: {'value': configs[n].value, 'source': int(configs[n].source), 'readOnly': configs[n].is_read_only,
                'synonyms': [[s.name, s.value, int(s.source)] for s in configs[n].synonyms.values()]}
            for n in names}


def alter(configs):
    try:
        admin.alter_configs([ConfigResource('broker', '1', set_config=configs)])[broker].result(10)
        return 'ok'
    except Exception as e:
        return [e.args[0].name(), e.args[0].str()]


out = {'before': describe(['log.retention.bytes', 'num.partitions'])}
out['readOnly'] = alter({'num.partitions': '3'})
out['ok'] = alter({'log.retention.bytes': '1000000'})
out['after'] = describe(['log.retention.bytes'])
print(json.dumps(out))
