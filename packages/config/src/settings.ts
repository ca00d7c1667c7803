import { hostname } from 'node:os';
import { cleanEnv, port, str, type CleanedEnv, type ValidatorSpec } from 'envalid';
import { ConfigError } from './errors.js';
import type { ResourceNames } from './load-kafka-binding.js';

type Env = Readonly<Record<string, string | undefined>>;

/** The port both apps listen on unless `PORT` says otherwise (the manifests' containerPort). */
export const DEFAULT_PORT = 8080;

export const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;

/** Settings every app reads; each app spreads this into its own spec and adds to it. */
export const baseSettingsSpec = {
  PORT: port({ default: DEFAULT_PORT, desc: 'HTTP port to listen on' }),
  LOG_LEVEL: str({ choices: LOG_LEVELS, default: 'info', desc: 'pino log level' }),
  TOPIC: str({ default: 'default', desc: 'topic name after the binding topicPrefix' }),
  GROUP_ID: str({ default: 'consumer', desc: 'consumer group name after the binding topicPrefix' }),
  CLIENT_ID: str({ default: hostname(), desc: 'Kafka client id' }),
};

/** Validates `env` against `spec`, throwing one {@link ConfigError} that names every bad variable. */
export function readSettings<S extends Record<string, ValidatorSpec<unknown>>>(
  spec: S,
  env: Env = process.env,
): CleanedEnv<S> {
  return cleanEnv(env, spec, {
    reporter: ({ errors }) => {
      const names = Object.keys(errors);
      if (names.length === 0) return;
      // envalid's messages quote the offending value; settings hold no secrets, but keep it short.
      const details = names
        .map((name) => `${name}: ${errors[name]?.message ?? 'invalid'}`)
        .join('; ');
      throw new ConfigError(
        `Invalid setting${names.length > 1 ? 's' : ''}: ${details}`,
        names[0],
        `env ${names[0]}`,
      );
    },
  });
}

/** The topic, group and client id named by the settings, as `loadKafkaBinding` takes them. */
export function resourceNames(
  settings: Pick<CleanedEnv<typeof baseSettingsSpec>, 'TOPIC' | 'GROUP_ID' | 'CLIENT_ID'>,
): ResourceNames {
  return { topic: settings.TOPIC, groupId: settings.GROUP_ID, clientId: settings.CLIENT_ID };
}

/** The settings shared by both apps. */
export function readBaseSettings(env: Env = process.env): CleanedEnv<typeof baseSettingsSpec> {
  return readSettings(baseSettingsSpec, env);
}
