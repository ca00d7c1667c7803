import {
  AclOperationTypes,
  AclPermissionTypes,
  AclResourceTypes,
  Kafka,
  ResourcePatternTypes,
  logLevel,
} from '@demo-kafka/kafka-client';

/**
 * Lets `username` use only topics and consumer groups whose names start with `prefix`, as the
 * hosted shared plan does. Written over the PLAINTEXT admin listener, whose principal is a
 * super user.
 */
export async function grantPrefixAcls(
  adminBroker: string,
  username: string,
  prefix: string,
): Promise<void> {
  const kafka = new Kafka({
    clientId: 'local-kafka-admin',
    brokers: [adminBroker],
    logLevel: logLevel.NOTHING,
  });
  const admin = kafka.admin();
  await admin.connect();
  try {
    const rule = (resourceType: (typeof AclResourceTypes)[keyof typeof AclResourceTypes]) => ({
      resourceType,
      resourceName: prefix,
      resourcePatternType: ResourcePatternTypes.PREFIXED,
      principal: `User:${username}`,
      host: '*',
      operation: AclOperationTypes.ALL,
      permissionType: AclPermissionTypes.ALLOW,
    });
    await admin.createAcls({ acl: [rule(AclResourceTypes.TOPIC), rule(AclResourceTypes.GROUP)] });
  } finally {
    await admin.disconnect();
  }
}
