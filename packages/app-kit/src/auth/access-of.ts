import { accessControl, type Guard } from './access-control.js';
import {
  accessPolicyOf,
  corsOriginsUnder,
  describeAccess,
  type AccessPolicy,
  type AccessSettings,
} from './access-settings.js';

/** Who may do an app's operation, from which origins, and the start-up log's account of it. */
export interface Access {
  readonly policy: AccessPolicy | undefined;
  readonly guard: Guard | undefined;
  /** CORS_ORIGINS as it applies (see corsOriginsUnder). */
  readonly corsOrigins: string;
  readonly described: Record<string, unknown>;
}

/** From the settings: access tokens (AUTH_*) or anyone; with tokens, only listed origins. */
export function accessOf(
  settings: AccessSettings & { readonly CORS_ORIGINS: string },
  scopeSetting: { readonly name: string; readonly value: string },
  operation: string,
): Access {
  const policy = accessPolicyOf(settings, scopeSetting);
  const corsOrigins = corsOriginsUnder(policy, settings.CORS_ORIGINS);
  return {
    policy,
    guard: policy ? accessControl(policy, operation) : undefined,
    corsOrigins,
    described: policy
      ? { ...describeAccess(policy), corsOrigins: corsOrigins || 'none' }
      : describeAccess(undefined),
  };
}
