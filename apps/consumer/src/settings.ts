import { hostname } from 'node:os';
import { baseSettingsSpec, readSettings } from '@demo-kafka/config';
import { num, str } from 'envalid';
import { accessScopeSetting, accessSettingsSpec, tlsSettingsSpec } from '@demo-kafka/app-kit';

type Env = Readonly<Record<string, string | undefined>>;

/** The consumer's settings: the shared ones plus the stream's. */
export const consumerSettingsSpec = {
  ...baseSettingsSpec,
  REPLAY_SIZE: num({
    default: 1000,
    desc: 'records held in memory: a new client gets them first, and resumes within them are served from memory',
  }),
  REPLAY_MAX_BYTES: num({
    default: 64 * 1024 * 1024,
    desc: 'bytes of record values the replay buffer may hold; the oldest go first beyond it',
  }),
  MAX_CATCH_UPS: num({
    default: 100,
    desc: 'resumes served from Kafka (or in parts) at once; more get 503 with Retry-After',
  }),
  KEEPALIVE_MS: num({ default: 15_000, desc: 'interval of keep-alive comments on idle streams' }),
  RETRY_MS: num({ default: 2_000, desc: 'reconnect delay suggested to clients (SSE retry field)' }),
  MAX_CLIENTS: num({ default: 1000, desc: 'concurrent streams; more get 503' }),
  MAX_CLIENT_STREAMS: num({
    default: 100,
    desc: 'streams one client (token subject, or address without tokens) may hold; more get 429; 0: no limit',
  }),
  MAX_CLIENT_BUFFER_BYTES: num({
    default: 1024 * 1024,
    desc: 'unsent bytes a slow client may hold before it is disconnected',
  }),
  CORS_ORIGINS: str({
    default: '*',
    desc: 'origins allowed to read the stream from a browser: * or a comma-separated list (with AUTH_* on, * means none)',
  }),
  PRODUCER_URL: str({
    default: '',
    desc: "where the page posts messages; default: this host's port 30776",
  }),
  CONSUMER_INSTANCE: str({
    default: `${hostname()}-${process.pid}`,
    desc: 'suffix of this replica consumer group',
  }),
  ...accessSettingsSpec,
  ...tlsSettingsSpec,
  AUTH_READ_SCOPE: accessScopeSetting('messages:read', 'read the stream'),
};

export type ConsumerSettings = ReturnType<typeof readConsumerSettings>;

/** Reads and validates the consumer's settings from the environment. */
export function readConsumerSettings(env: Env = process.env) {
  return readSettings(consumerSettingsSpec, env);
}
