import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import express, { type Express } from 'express';
import {
  SignJWT,
  UnsecuredJWT,
  createLocalJWKSet,
  exportJWK,
  exportSPKI,
  generateKeyPair,
  type JWK,
  type JWTPayload,
} from 'jose';
import request from 'supertest';
import { beforeAll, describe, expect, it, vi } from 'vitest';
import { accessPolicyOf } from '../src/auth/access-settings.js';
import {
  createAccessTokenVerifier,
  type AccessTokenVerifier,
} from '../src/auth/access-token-verifier.js';
import { discoverJwksUri, issuerKeys } from '../src/auth/issuer-keys.js';
import { requireAccess, type AccessRule } from '../src/auth/require-access.js';
import { IssuerUnavailableError, TokenRejectedError } from '../src/auth/token-errors.js';
import { problemHandler } from '../src/http/problem.js';

const ISSUER = 'https://issuer.example';
const AUDIENCE = 'demo-kafka';
const RULE: AccessRule = {
  operation: 'POST /messages',
  scope: 'messages:write',
  subjects: new Set(['system:serviceaccount:demo:writer']),
};

type KeyPair = Awaited<ReturnType<typeof generateKeyPair>>;
let signing: KeyPair;
let other: KeyPair;
let jwks: { keys: JWK[] };

const now = (): number => Math.floor(Date.now() / 1000);

/** A token as the issuer would sign it, with `claims` over the defaults. */
function token(claims: JWTPayload = {}, key: KeyPair = signing, kid = 'k1'): Promise<string> {
  const payload: JWTPayload = {
    iss: ISSUER,
    aud: AUDIENCE,
    sub: 'client-a',
    iat: now(),
    exp: now() + 300,
    scope: 'messages:write',
    ...claims,
  };
  return new SignJWT(payload)
    .setProtectedHeader({ alg: 'ES256', kid, typ: 'at+jwt' })
    .sign(key.privateKey);
}

function verifier(): AccessTokenVerifier {
  return createAccessTokenVerifier({
    keys: createLocalJWKSet(jwks),
    issuer: ISSUER,
    audience: AUDIENCE,
  });
}

function guarded(v: AccessTokenVerifier = verifier()): Express {
  const app = express();
  app.post('/messages', requireAccess(v, RULE), (_req, res) => {
    res.json({ subject: res.locals.principal?.subject });
  });
  app.use(problemHandler());
  return app;
}

beforeAll(async () => {
  signing = await generateKeyPair('ES256');
  other = await generateKeyPair('ES256');
  jwks = {
    keys: [{ ...(await exportJWK(signing.publicKey)), kid: 'k1', alg: 'ES256', use: 'sig' }],
  };
});

describe('access tokens', () => {
  it('accepts a token of the issuer, for the audience, with the scope', async () => {
    const principal = await verifier().verify(await token({ scope: 'openid messages:write' }));
    expect(principal.subject).toBe('client-a');
    expect([...principal.scopes]).toEqual(['openid', 'messages:write']);
    expect(principal.expiresAt).toBeGreaterThan(Date.now());
  });

  it('reads scopes from scp as well', async () => {
    const principal = await verifier().verify(
      await token({ scope: undefined, scp: ['messages:read'] }),
    );
    expect([...principal.scopes]).toEqual(['messages:read']);
  });

  const refusals: Array<[string, () => Promise<string>, RegExp]> = [
    ['expired', () => token({ exp: now() - 60 }), /expired/],
    ['for another audience', () => token({ aud: 'someone-else' }), /'aud'/],
    ['from another issuer', () => token({ iss: 'https://evil.example' }), /'iss'/],
    ['not valid yet', () => token({ nbf: now() + 600 }), /'nbf'/],
    [
      'without exp',
      async () => {
        return new SignJWT({ scope: 'messages:write' })
          .setProtectedHeader({ alg: 'ES256', kid: 'k1' })
          .setIssuer(ISSUER)
          .setAudience(AUDIENCE)
          .setSubject('client-a')
          .sign(signing.privateKey);
      },
      /'exp'/,
    ],
    [
      'forged (signed by another key under the same kid)',
      () => token({}, other, 'k1'),
      /signature/,
    ],
    ['signed with a key the issuer does not publish', () => token({}, other, 'k9'), /key/],
    [
      'unsigned (alg none)',
      async () =>
        new UnsecuredJWT({ scope: 'messages:write' })
          .setIssuer(ISSUER)
          .setAudience(AUDIENCE)
          .setSubject('client-a')
          .setExpirationTime(now() + 300)
          .encode(),
      /algorithm|signed JWT/,
    ],
    [
      'HS256 keyed with the public key (algorithm confusion)',
      async () => {
        const secret = new TextEncoder().encode(await exportSPKI(signing.publicKey));
        return new SignJWT({ scope: 'messages:write' })
          .setProtectedHeader({ alg: 'HS256', kid: 'k1' })
          .setIssuer(ISSUER)
          .setAudience(AUDIENCE)
          .setSubject('client-a')
          .setExpirationTime(now() + 300)
          .sign(secret);
      },
      /algorithm/,
    ],
    ['not a JWT at all', async () => 'abc.def', /signed JWT/],
  ];

  for (const [name, make, reason] of refusals) {
    it(`refuses a token ${name} with 401 invalid_token, quoting nothing of it`, async () => {
      const bad = await make();
      await expect(verifier().verify(bad)).rejects.toThrow(TokenRejectedError);
      const res = await request(guarded()).post('/messages').set('Authorization', `Bearer ${bad}`);
      expect(res.status).toBe(401);
      expect(res.type).toBe('application/problem+json');
      expect(res.headers['www-authenticate']).toMatch(
        /^Bearer realm="demo-kafka", scope="messages:write", error="invalid_token", error_description="[^"\\]+"$/,
      );
      expect(res.body.detail).toMatch(reason);
      for (const part of bad.split('.').filter((p) => p.length > 8))
        expect(JSON.stringify(res.headers) + res.text).not.toContain(part);
    });
  }

  it('answers 401 with a bare challenge when there is no bearer token', async () => {
    for (const authorization of [undefined, 'Basic dXNlcjpwYXNz', 'Bearer', 'Bearer a b']) {
      const req = request(guarded()).post('/messages');
      const res = await (authorization ? req.set('Authorization', authorization) : req);
      expect(res.status).toBe(401);
      expect(res.headers['www-authenticate']).toBe(
        'Bearer realm="demo-kafka", scope="messages:write"',
      );
    }
  });

  it('answers 403 insufficient_scope to a good token without the scope', async () => {
    const res = await request(guarded())
      .post('/messages')
      .set('Authorization', `Bearer ${await token({ scope: 'messages:read' })}`);
    expect(res.status).toBe(403);
    expect(res.headers['www-authenticate']).toMatch(/error="insufficient_scope"/);
    expect(res.body.detail).toBe('POST /messages needs the scope messages:write');
  });

  it('lets a listed subject through without any scope (a Kubernetes service account)', async () => {
    const sa = await token({ scope: undefined, sub: 'system:serviceaccount:demo:writer' });
    const res = await request(guarded()).post('/messages').set('Authorization', `Bearer ${sa}`);
    expect(res.status).toBe(200);
    expect(res.body.subject).toBe('system:serviceaccount:demo:writer');
    const stranger = await token({ scope: undefined, sub: 'system:serviceaccount:demo:reader' });
    const refused = await request(guarded())
      .post('/messages')
      .set('Authorization', `Bearer ${stranger}`);
    expect(refused.status).toBe(403);
  });

  it('checks a remembered token for expiry again', async () => {
    const v = verifier();
    const soon = await token({ exp: now() + 1 });
    await v.verify(soon);
    // Past exp and the clock tolerance: the memory must not keep it alive.
    vi.useFakeTimers({ toFake: ['Date'] });
    vi.setSystemTime(Date.now() + 60_000);
    try {
      await expect(v.verify(soon)).rejects.toThrow(/expired/);
    } finally {
      vi.useRealTimers();
    }
  });
});

describe('issuer keys', () => {
  /** Serves a discovery document and a key set on loopback; counts key set fetches. */
  async function issuerServer(documentIssuer?: (base: string) => string) {
    let jwksFetches = 0;
    const server = createServer((req, res) => {
      const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
      if (req.url === '/.well-known/openid-configuration') {
        res.setHeader('Content-Type', 'application/json');
        res.end(
          JSON.stringify({ issuer: documentIssuer?.(base) ?? base, jwks_uri: `${base}/jwks` }),
        );
      } else if (req.url === '/jwks') {
        jwksFetches++;
        res.setHeader('Content-Type', 'application/json');
        res.end(JSON.stringify(jwks));
      } else res.writeHead(404).end();
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    return {
      base,
      fetches: () => jwksFetches,
      close: () => new Promise<void>((resolve) => server.close(() => resolve())),
    };
  }

  it('finds the keys by discovery, and refetches for an unknown kid at most once per cooldown', async () => {
    const server = await issuerServer();
    try {
      const v = createAccessTokenVerifier({
        keys: issuerKeys({ issuer: server.base }),
        issuer: server.base,
        audience: AUDIENCE,
      });
      const good = await token({ iss: server.base });
      expect((await v.verify(good)).subject).toBe('client-a');
      expect(server.fetches()).toBe(1);
      for (let i = 0; i < 5; i++)
        await expect(
          v.verify(await token({ iss: server.base, jti: String(i) }, other, `unknown-${i}`)),
        ).rejects.toThrow(TokenRejectedError);
      expect(server.fetches()).toBeLessThanOrEqual(2);
    } finally {
      await server.close();
    }
  });

  it('answers 503, not 401, when the key set URL refuses (an API server without the discovery role)', async () => {
    const server = createServer((_req, res) => {
      res.writeHead(403, { 'Content-Type': 'application/json' }).end('{"kind":"Status"}');
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    try {
      const jwksUri = `http://127.0.0.1:${(server.address() as AddressInfo).port}/openid/v1/jwks`;
      const v = createAccessTokenVerifier({
        keys: issuerKeys({ jwksUri }),
        issuer: ISSUER,
        audience: AUDIENCE,
      });
      await expect(v.verify(await token())).rejects.toThrow(IssuerUnavailableError);
    } finally {
      await new Promise<void>((resolve) => server.close(() => resolve()));
    }
  });

  it('refuses a discovery document that names another issuer', async () => {
    const server = await issuerServer(() => 'https://evil.example');
    try {
      await expect(discoverJwksUri(server.base)).rejects.toThrow(
        /names the issuer "https:\/\/evil.example"/,
      );
    } finally {
      await server.close();
    }
  });

  it('answers 503 with Retry-After while the issuer is out of reach', async () => {
    const server = await issuerServer();
    const { base } = server;
    await server.close();
    const v = createAccessTokenVerifier({
      keys: issuerKeys({ issuer: base }),
      issuer: base,
      audience: AUDIENCE,
    });
    await expect(v.verify(await token({ iss: base }))).rejects.toThrow(IssuerUnavailableError);
    const res = await request(guarded(v))
      .post('/messages')
      .set('Authorization', `Bearer ${await token({ iss: base })}`);
    expect(res.status).toBe(503);
    expect(res.headers['retry-after']).toBe('5');
  });
});

describe('access settings', () => {
  const settings = (env: Record<string, string>) => ({
    AUTH_ISSUER: '',
    AUTH_JWKS_URI: '',
    AUTH_AUDIENCE: '',
    AUTH_SUBJECTS: '',
    ...env,
  });
  const scope = (value = 'messages:write') => ({ name: 'AUTH_WRITE_SCOPE', value });

  it('is off without an issuer or key set', () => {
    expect(accessPolicyOf(settings({ AUTH_AUDIENCE: 'x' }), scope())).toBeUndefined();
  });

  it('needs an audience, https (or loopback http), and one scope name', () => {
    expect(() => accessPolicyOf(settings({ AUTH_ISSUER: ISSUER }), scope())).toThrow(
      /AUTH_AUDIENCE must be set/,
    );
    expect(() =>
      accessPolicyOf(settings({ AUTH_ISSUER: 'http://idp.example', AUTH_AUDIENCE: 'a' }), scope()),
    ).toThrow(/AUTH_ISSUER must be an https URL/);
    expect(() =>
      accessPolicyOf(settings({ AUTH_ISSUER: ISSUER, AUTH_AUDIENCE: 'a' }), scope('a b')),
    ).toThrow(/AUTH_WRITE_SCOPE/);
    const policy = accessPolicyOf(
      settings({
        AUTH_ISSUER: 'http://127.0.0.1:8443',
        AUTH_AUDIENCE: 'a',
        AUTH_SUBJECTS: ' x , y ,',
      }),
      scope(),
    );
    expect(policy?.issuer).toBe('http://127.0.0.1:8443');
    expect([...(policy?.subjects ?? [])]).toEqual(['x', 'y']);
  });
});
