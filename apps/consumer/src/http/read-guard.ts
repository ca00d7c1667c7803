import {
  accessControl,
  accessPolicyOf,
  corsOriginsUnder,
  describeAccess,
  type Guard,
} from '@demo-kafka/app-kit';
import type { ConsumerSettings } from '../settings.js';
import { STREAM_PATH } from './messages-stream-route.js';

/** Who may read the stream, which origins may read it from a browser, and the start-up log's account of it. */
export interface ReadAccess {
  readonly guard: Guard | undefined;
  readonly corsOrigins: string;
  readonly described: Record<string, unknown>;
}

/** From the settings: access tokens (AUTH_*) or anyone; with tokens, only listed origins. */
export function readAccessOf(settings: ConsumerSettings): ReadAccess {
  const policy = accessPolicyOf(settings, {
    name: 'AUTH_READ_SCOPE',
    value: settings.AUTH_READ_SCOPE,
  });
  const corsOrigins = corsOriginsUnder(policy, settings.CORS_ORIGINS);
  return {
    guard: policy ? accessControl(policy, `GET ${STREAM_PATH}`) : undefined,
    corsOrigins,
    described: { ...describeAccess(policy), corsOrigins: corsOrigins || 'none' },
  };
}
