# kafka-python's admin client manages ACLs on brook: create, describe, delete. argv: port.
import json
import sys

from kafka.admin import (ACL, ACLFilter, ACLOperation, ACLPermissionType, ACLResourcePatternType,
                         KafkaAdminClient, ResourcePattern, ResourcePatternFilter, ResourceType)

admin = KafkaAdminClient(bootstrap_servers='127.0.0.1:%s' % sys.argv[1], client_id='py-acls')
acl = ACL(principal='User:py', host='*', operation=ACLOperation.READ,
          permission_type=ACLPermissionType.ALLOW,
          resource_pattern=ResourcePattern(ResourceType.TOPIC, 'py-', ACLResourcePatternType.PREFIXED))
created = admin.create_acls([acl])
flt = ACLFilter(principal='User:py', host='*', operation=ACLOperation.ANY,
                permission_type=ACLPermissionType.ANY,
                resource_pattern=ResourcePatternFilter(ResourceType.ANY, None, ACLResourcePatternType.ANY))
described, err = admin.describe_acls(flt)
deleted = admin.delete_acls([flt])
after, _ = admin.describe_acls(flt)
print(json.dumps({
    'created': len(created['succeeded']),
    'failed': len(created['failed']),
    'described': [[a.principal, a.resource_pattern.resource_name, a.resource_pattern.pattern_type.name, a.operation.name] for a in described],
    'deleted': sum(len(r[1]) for r in deleted),
    'after': len(after),
}))
