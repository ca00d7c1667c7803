import { join } from 'node:path';
import type { BindingFormat, LocalKafka, SecurityMode } from '@demo-kafka/local-kafka';

/** Every binding format with the security modes a user of it can have. */
export const SECURITY_VARIANTS: ReadonlyArray<{
  readonly format: BindingFormat;
  readonly security: SecurityMode;
}> = [
  { format: 'walkthrough', security: 'scram-sha-256' },
  { format: 'walkthrough', security: 'scram-sha-512' },
  { format: 'walkthrough', security: 'plain' },
  { format: 'walkthrough', security: 'mtls' },
  { format: 'strimzi-access', security: 'scram-sha-512' },
  { format: 'strimzi-access', security: 'mtls' },
  { format: 'strimzi-user', security: 'scram-sha-512' },
  { format: 'strimzi-user', security: 'mtls' },
];

/** Binding directories by `<format>/<security>`. */
export type SecurityBindings = Readonly<Record<string, string>>;

/** The key of the binding with the second user's client certificate. */
export const OTHER_MTLS = 'other/walkthrough/mtls';

export const variantKey = (v: { format: BindingFormat; security: SecurityMode }): string =>
  `${v.format}/${v.security}`;

/** Writes one binding directory per {@link SECURITY_VARIANTS} entry into the broker's data directory. */
export function writeSecurityBindings(kafka: LocalKafka): SecurityBindings {
  const dirs: Record<string, string> = {};
  for (const variant of SECURITY_VARIANTS) {
    const dir = join(kafka.dataDir, 'bindings', `${variant.format}-${variant.security}`);
    kafka.writeBinding(dir, variant);
    dirs[variantKey(variant)] = dir;
  }
  // The second user's certificate, to show the broker takes the principal from it.
  const other = kafka.extraUsers[0]?.username;
  if (other) {
    dirs[OTHER_MTLS] = join(kafka.dataDir, 'bindings', 'other-walkthrough-mtls');
    kafka.writeBinding(dirs[OTHER_MTLS], {
      format: 'walkthrough',
      security: 'mtls',
      username: other,
    });
  }
  return dirs;
}
