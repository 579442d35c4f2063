# Broker configs with kafka-python 2.0.2 against brook: prints one JSON object with what each call returned.
# kafka-python stops at DescribeConfigs v2 and has no IncrementalAlterConfigs, and routes a broker resource
# to the broker it names; so the v3 request (config types), IncrementalAlterConfigs v0 (what
# kafka-configs.sh sends) and resources naming another broker or "" are built here from Kafka's specs with
# kafka-python's own protocol types, and sent to broker 1 as a misrouted client would.
# usage: broker_configs.py PORT describe|alter|incremental
import json
import sys

from kafka import KafkaAdminClient
from kafka.admin import ConfigResource, ConfigResourceType
from kafka.protocol.api import Request, Response
from kafka.protocol.types import Array, Boolean, Int8, Int16, Int32, Schema, String

S = String('utf-8')


class DescribeConfigsResponse_v3(Response):
    API_KEY = 32
    API_VERSION = 3
    SCHEMA = Schema(
        ('throttle_time_ms', Int32),
        ('resources', Array(
            ('error_code', Int16), ('error_message', S), ('resource_type', Int8), ('resource_name', S),
            ('config_entries', Array(
                ('config_name', S), ('config_value', S), ('read_only', Boolean), ('config_source', Int8),
                ('is_sensitive', Boolean),
                ('config_synonyms', Array(('config_name', S), ('config_value', S), ('config_source', Int8))),
                ('config_type', Int8), ('config_documentation', S))))))


class DescribeConfigsRequest_v3(Request):
    API_KEY = 32
    API_VERSION = 3
    RESPONSE_TYPE = DescribeConfigsResponse_v3
    SCHEMA = Schema(
        ('resources', Array(('resource_type', Int8), ('resource_name', S), ('config_names', Array(S)))),
        ('include_synonyms', Boolean),
        ('include_documentation', Boolean))


class IncrementalAlterConfigsResponse_v0(Response):
    API_KEY = 44
    API_VERSION = 0
    SCHEMA = Schema(
        ('throttle_time_ms', Int32),
        ('responses', Array(('error_code', Int16), ('error_message', S), ('resource_type', Int8), ('resource_name', S))))


class IncrementalAlterConfigsRequest_v0(Request):
    API_KEY = 44
    API_VERSION = 0
    RESPONSE_TYPE = IncrementalAlterConfigsResponse_v0
    SCHEMA = Schema(
        ('resources', Array(
            ('resource_type', Int8), ('resource_name', S),
            ('configs', Array(('name', S), ('config_operation', Int8), ('value', S))))),
        ('validate_only', Boolean))


port, step = sys.argv[1], sys.argv[2]
admin = KafkaAdminClient(bootstrap_servers=['127.0.0.1:%s' % port])
BROKER, TOPIC = 4, 2


def send(request):
    future = admin._send_request_to_node(1, request)
    admin._wait_for_futures([future])
    return future.value


def describe_v3(resources):
    res = send(DescribeConfigsRequest_v3(resources=resources, include_synonyms=True, include_documentation=False))
    return [{
        'name': r[3], 'error': r[0], 'message': r[1],
        'configs': {c[0]: {'value': c[1], 'readOnly': c[2], 'source': c[3], 'type': c[6],
                           'synonyms': [list(s) for s in c[5]]} for c in r[4]},
    } for r in res.resources]


out = {}
if step == 'describe':
    # The public API (v2, routed to broker 1): values and synonyms with their sources.
    r = admin.describe_configs([ConfigResource(ConfigResourceType.BROKER, '1')], include_synonyms=True)[0]
    res = r.resources[0]
    out['v2'] = {'error': res[0], 'configs': {c[0]: {'value': c[1], 'readOnly': c[2], 'synonyms': [list(s) for s in c[5]]}
                                            for c in res[4]}}
    out['v3'] = describe_v3([(BROKER, '1', None), (TOPIC, 'cfg', ['retention.ms', 'retention.bytes', 'cleanup.policy']),
                             (BROKER, '', None), (BROKER, '2', None), (BROKER, 'one', None)])
elif step == 'alter':
    def alter(name, configs):
        r = admin.alter_configs([ConfigResource(ConfigResourceType.BROKER, name, configs=configs)])
        return [r.resources[0][0], r.resources[0][1]]
    out['readOnly'] = alter('1', {'num.partitions': '5'})
    out['bad'] = alter('1', {'log.retention.ms': 'soon'})
    out['ok'] = alter('1', {'log.retention.ms': '60000'})
elif step == 'incremental':
    def incremental(name, configs, validate_only=False):
        r = send(IncrementalAlterConfigsRequest_v0(resources=[(BROKER, name, configs)], validate_only=validate_only))
        return [r.responses[0][0], r.responses[0][1]]
    # SET 0, DELETE 1, APPEND 2, SUBTRACT 3.
    out['validateOnly'] = incremental('', [('message.max.bytes', 0, '1000')], True)
    out['default'] = incremental('', [('message.max.bytes', 0, '1000'), ('log.cleanup.policy', 2, 'compact')])
    out['otherBroker'] = incremental('2', [('log.retention.bytes', 0, '1')])
    out['after'] = describe_v3([(BROKER, '', None)])
admin.close()
print(json.dumps(out))
