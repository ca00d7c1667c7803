import { errors } from 'jose';

/** The token is not one this app accepts (RFC 6750 `invalid_token`); `reason` never quotes it. */
export class TokenRejectedError extends Error {
  override readonly name = 'TokenRejectedError';

  constructor(readonly reason: string) {
    super(`access token refused: ${reason}`);
  }
}

/** The issuer's keys could not be had (discovery or JWKS unreachable): the token may well be good. */
export class IssuerUnavailableError extends Error {
  override readonly name = 'IssuerUnavailableError';

  constructor(detail: string, options?: ErrorOptions) {
    super(`the token issuer's keys are unavailable: ${detail}`, options);
  }
}

/** What went wrong verifying a token, by jose's error classes: a refusal or an unreachable issuer. */
export function classifyVerificationError(
  error: unknown,
): TokenRejectedError | IssuerUnavailableError {
  if (error instanceof TokenRejectedError || error instanceof IssuerUnavailableError) return error;
  if (error instanceof errors.JWTExpired) return new TokenRejectedError('the token has expired');
  if (error instanceof errors.JWTClaimValidationFailed)
    return new TokenRejectedError(`the token's '${error.claim}' claim is missing or not accepted`);
  if (error instanceof errors.JWSSignatureVerificationFailed)
    return new TokenRejectedError("the token's signature does not verify");
  if (error instanceof errors.JOSEAlgNotAllowed)
    return new TokenRejectedError(
      'the token is signed with an algorithm this app does not accept (asymmetric ones only)',
    );
  if (error instanceof errors.JWKSNoMatchingKey || error instanceof errors.JWKSMultipleMatchingKeys)
    return new TokenRejectedError(
      "the token is signed with a key the issuer's key set does not hold once",
    );
  if (error instanceof errors.JWKSTimeout || error instanceof errors.JWKSInvalid)
    return new IssuerUnavailableError(error.code, { cause: error });
  // jose's generic code is only the key set's HTTP answer: not 200, or not JSON (an API server
  // that answers 403 because the discovery role is not bound).
  if (error instanceof errors.JOSEError && error.code === 'ERR_JOSE_GENERIC')
    return new IssuerUnavailableError('the key set URL did not answer 200 with JSON', {
      cause: error,
    });
  if (error instanceof errors.JOSEError)
    return new TokenRejectedError('the token is not a signed JWT this app can read');
  // Not jose's: fetch failed (refused, reset, TLS): the issuer is out of reach.
  return new IssuerUnavailableError('the key set could not be fetched', { cause: error });
}
