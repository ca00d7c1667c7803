import { accessOf, type Access } from '@demo-kafka/app-kit';
import { ConfigError } from '@demo-kafka/config';
import type { ProducerSettings } from '../settings.js';
import { sharedTokenGuard } from './bearer-token.js';
import { MESSAGES_PATH } from './messages-route.js';

/** Who may post, from which origins, and the start-up log's account of it. */
export type WriteAccess = Access;

/** From the settings: access tokens (AUTH_*), one shared token (PRODUCER_TOKEN), or anyone. */
export function writeAccessOf(settings: ProducerSettings): WriteAccess {
  const access = accessOf(
    settings,
    { name: 'AUTH_WRITE_SCOPE', value: settings.AUTH_WRITE_SCOPE },
    `POST ${MESSAGES_PATH}`,
  );
  if (settings.PRODUCER_TOKEN === '') return access;
  if (access.policy)
    throw new ConfigError(
      'PRODUCER_TOKEN and AUTH_ISSUER/AUTH_JWKS_URI are two ways to guard POST /messages: set one',
      'PRODUCER_TOKEN',
      'env PRODUCER_TOKEN',
    );
  return {
    ...access,
    guard: sharedTokenGuard(settings.PRODUCER_TOKEN),
    described: { auth: 'PRODUCER_TOKEN' },
  };
}
