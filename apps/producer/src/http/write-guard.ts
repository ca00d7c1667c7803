import {
  accessControl,
  accessPolicyOf,
  corsOriginsUnder,
  describeAccess,
  type Guard,
} from '@demo-kafka/app-kit';
import { ConfigError } from '@demo-kafka/config';
import type { ProducerSettings } from '../settings.js';
import { sharedTokenGuard } from './bearer-token.js';
import { MESSAGES_PATH } from './messages-route.js';

/** Who may post, and the start-up log's account of it. */
export interface WriteAccess {
  readonly guard: Guard | undefined;
  /** CORS_ORIGINS as it applies (see corsOriginsUnder). */
  readonly corsOrigins: string;
  readonly described: Record<string, unknown>;
}

/** From the settings: access tokens (AUTH_*), one shared token (PRODUCER_TOKEN), or anyone. */
export function writeAccessOf(settings: ProducerSettings): WriteAccess {
  const policy = accessPolicyOf(settings, {
    name: 'AUTH_WRITE_SCOPE',
    value: settings.AUTH_WRITE_SCOPE,
  });
  if (policy && settings.PRODUCER_TOKEN !== '')
    throw new ConfigError(
      'PRODUCER_TOKEN and AUTH_ISSUER/AUTH_JWKS_URI are two ways to guard POST /messages: set one',
      'PRODUCER_TOKEN',
      'env PRODUCER_TOKEN',
    );
  const corsOrigins = corsOriginsUnder(policy, settings.CORS_ORIGINS);
  if (policy)
    return {
      guard: accessControl(policy, `POST ${MESSAGES_PATH}`),
      corsOrigins,
      described: { ...describeAccess(policy), corsOrigins: corsOrigins || 'none' },
    };
  if (settings.PRODUCER_TOKEN !== '')
    return {
      guard: sharedTokenGuard(settings.PRODUCER_TOKEN),
      corsOrigins,
      described: { auth: 'PRODUCER_TOKEN' },
    };
  return { guard: undefined, corsOrigins, described: describeAccess(undefined) };
}
