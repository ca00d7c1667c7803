import type { BindingFiles } from './read-binding-dir.js';

/** Which kind of binding the files were, as `describe()` and the start-up log name it. */
export type BindingShape =
  | 'walkthrough'
  | 'servicebinding'
  | 'strimzi-access'
  | 'strimzi-user'
  | 'client-properties'
  | 'env';

/** How the start-up log line names each shape. */
export const BINDING_SHAPE_NAMES: Readonly<Record<BindingShape, string>> = {
  walkthrough: 'walkthrough Secret',
  servicebinding: 'servicebinding.io binding',
  'strimzi-access': 'Strimzi Access Operator Secret',
  'strimzi-user': 'Strimzi KafkaUser Secret',
  'client-properties': 'Kafka client properties',
  env: 'environment variables',
};

/**
 * Tells the shapes apart by what only each one has: the Access Operator writes
 * `provider: strimzi`, servicebinding.io a `type`, a KafkaUser Secret `user.crt`/`user.key` or
 * a `password` beside `sasl.jaas.config` with no `username`, and a Java client's properties
 * (Confluent Cloud, MSK) `bootstrap.servers` or `sasl.jaas.config`.
 */
export function recogniseShape(
  files: BindingFiles | undefined,
  underServiceBindingRoot: boolean,
): BindingShape {
  if (!files) return 'env';
  const has = (name: string): boolean => files.fileNames.has(name);
  if (files.metadata.provider === 'strimzi') return 'strimzi-access';
  if (files.metadata.type !== undefined || underServiceBindingRoot) return 'servicebinding';
  const scramUser = has('sasl.jaas.config') && has('password') && !has('username') && !has('user');
  if (scramUser || has('user.crt') || has('user.key') || has('user.p12')) return 'strimzi-user';
  if (has('bootstrap.servers') || has('sasl.jaas.config')) return 'client-properties';
  return 'walkthrough';
}
