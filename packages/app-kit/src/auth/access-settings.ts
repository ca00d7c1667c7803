import { ConfigError } from '@demo-kafka/config';
import { str } from 'envalid';

/** The settings of token checks both apps share; each adds the scope it needs (see accessScopeSetting). */
export const accessSettingsSpec = {
  AUTH_ISSUER: str({
    default: '',
    desc: 'OpenID Connect issuer whose access tokens are required (https; keys found by discovery); empty with AUTH_JWKS_URI: no token checks',
  }),
  AUTH_JWKS_URI: str({
    default: '',
    desc: "the issuer's key set (JWKS) URL, used instead of discovery (e.g. https://kubernetes.default.svc/openid/v1/jwks)",
  }),
  AUTH_AUDIENCE: str({
    default: '',
    desc: 'the aud a token must carry; required when tokens are checked',
  }),
  AUTH_SUBJECTS: str({
    default: '',
    desc: 'comma-separated token subjects allowed without the scope (e.g. system:serviceaccount:demo:writer)',
  }),
};

/** The setting of the scope an app's operation needs (AUTH_WRITE_SCOPE, AUTH_READ_SCOPE). */
export function accessScopeSetting(scope: string, operation: string) {
  return str({ default: scope, desc: `the scope a token needs to ${operation}` });
}

export type AccessSettings = { readonly [K in keyof typeof accessSettingsSpec]: string };

/** Token checks as configured: where the keys come from, what a token must say. */
export interface AccessPolicy {
  readonly issuer: string | undefined;
  readonly jwksUri: string | undefined;
  readonly audience: string;
  readonly scope: string;
  readonly subjects: ReadonlySet<string>;
}

const LOOPBACK = new Set(['localhost', '127.0.0.1', '[::1]']);

/** The policy the settings ask for, or undefined when token checks are off; throws ConfigError when they cannot work. */
export function accessPolicyOf(
  settings: AccessSettings,
  scopeSetting: { readonly name: string; readonly value: string },
): AccessPolicy | undefined {
  const issuer = settings.AUTH_ISSUER.trim();
  const jwksUri = settings.AUTH_JWKS_URI.trim();
  if (issuer === '' && jwksUri === '') return undefined;
  if (issuer !== '') checkUrl('AUTH_ISSUER', issuer);
  if (jwksUri !== '') checkUrl('AUTH_JWKS_URI', jwksUri);
  const audience = settings.AUTH_AUDIENCE.trim();
  if (audience === '')
    throw new ConfigError(
      'AUTH_AUDIENCE must be set when access tokens are checked: without it a token issued for any other service would be accepted',
      'AUTH_AUDIENCE',
      'env AUTH_AUDIENCE',
    );
  const scope = scopeSetting.value.trim();
  if (scope === '' || /[\s"\\]/.test(scope))
    throw new ConfigError(
      `${scopeSetting.name} must be one scope name (no spaces or quotes)`,
      scopeSetting.name,
      `env ${scopeSetting.name}`,
    );
  return {
    issuer: issuer || undefined,
    jwksUri: jwksUri || undefined,
    audience,
    scope,
    subjects: new Set(
      settings.AUTH_SUBJECTS.split(',')
        .map((s) => s.trim())
        .filter(Boolean),
    ),
  };
}

/** https, or http to this machine only (a provider on a laptop, or in a test). */
function checkUrl(name: string, value: string): void {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new ConfigError(`${name} must be a URL (https://...)`, name, `env ${name}`);
  }
  if (url.protocol === 'https:' || (url.protocol === 'http:' && LOOPBACK.has(url.hostname))) return;
  throw new ConfigError(
    `${name} must be an https URL (http only to localhost): keys fetched in clear could be forged on the way`,
    name,
    `env ${name}`,
  );
}

/**
 * CORS_ORIGINS as it applies: with token checks on, `*` means no origin. Any page could
 * otherwise have a user's browser call the app with a token that page holds: origins must be listed.
 */
export function corsOriginsUnder(policy: AccessPolicy | undefined, origins: string): string {
  return policy && origins.trim() === '*' ? '' : origins;
}

/** One line for the start-up log: which mode is on (no secrets in a policy). */
export function describeAccess(policy: AccessPolicy | undefined): Record<string, unknown> {
  if (!policy) return { auth: 'off' };
  return {
    auth: 'access tokens',
    issuer: policy.issuer,
    ...(policy.jwksUri ? { jwksUri: policy.jwksUri } : {}),
    audience: policy.audience,
    scope: policy.scope,
    subjects: [...policy.subjects],
  };
}
