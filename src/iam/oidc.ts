// Verifying an OpenID Connect web identity token (AssumeRoleWithWebIdentity): the issuer's keys
// come from <issuer>/.well-known/openid-configuration → jwks_uri, fetched over HTTPS whose
// certificate either a public CA vouches for or whose chain's top certificate has one of the
// provider's registered SHA-1 thumbprints (IAM's pinning). Keys are cached per node briefly.
import { request } from 'node:https';
import type { TLSSocket } from 'node:tls';
import type { JSONWebKeySet, JWTPayload } from 'jose';
import type { OidcProvider } from '../domain/records/roles.js';
import { IdentityError } from './identities.js';

const MAX_DOCUMENT_BYTES = 256 * 1024;
const FETCH_TIMEOUT_MS = 5_000;
export const JWKS_CACHE_MS = 5 * 60_000;

/** The SHA-1 thumbprint of the top certificate of the chain the server presented (hex, lowercase). */
function chainTopThumbprint(socket: TLSSocket): string | undefined {
  let cert = socket.getPeerCertificate(true);
  if (!cert?.raw) return undefined;
  const seen = new Set<string>();
  while (cert.issuerCertificate && cert.issuerCertificate !== cert && !seen.has(cert.fingerprint)) {
    seen.add(cert.fingerprint);
    cert = cert.issuerCertificate;
  }
  return cert.fingerprint.replace(/:/g, '').toLowerCase();
}

/** GETs a JSON document over HTTPS from a server the provider trusts; IDPCommunicationError otherwise. */
function fetchJson(url: string, thumbprints: string[]): Promise<unknown> {
  return new Promise((resolve, reject) => {
    const fail = (why: string) =>
      reject(
        new IdentityError(
          'IDPCommunicationError',
          `Couldn't retrieve verification key from your identity provider: ${why}`,
        ),
      );
    let target: URL;
    try {
      target = new URL(url);
    } catch {
      return fail(`${url} is not a URL`);
    }
    if (target.protocol !== 'https:') return fail(`${url} is not an https URL`);
    const req = request(
      target,
      { method: 'GET', rejectUnauthorized: false, timeout: FETCH_TIMEOUT_MS, headers: { accept: 'application/json' } },
      (res) => {
        const socket = res.socket as TLSSocket;
        const top = chainTopThumbprint(socket);
        if (!socket.authorized && !(top && thumbprints.includes(top))) {
          res.destroy();
          return fail(
            `the certificate of ${target.host} is neither trusted by a public CA nor one of the provider's thumbprints`,
          );
        }
        if (res.statusCode !== 200) {
          res.destroy();
          return fail(`${url} answered ${res.statusCode}`);
        }
        const chunks: Buffer[] = [];
        let size = 0;
        res.on('data', (chunk: Buffer) => {
          size += chunk.length;
          if (size > MAX_DOCUMENT_BYTES) {
            res.destroy();
            fail(`${url} is larger than ${MAX_DOCUMENT_BYTES} bytes`);
          } else chunks.push(chunk);
        });
        res.on('end', () => {
          try {
            resolve(JSON.parse(Buffer.concat(chunks).toString('utf8')));
          } catch {
            fail(`${url} is not JSON`);
          }
        });
        res.on('error', (err) => fail(err.message));
      },
    );
    req.on('timeout', () => req.destroy(new Error('timed out')));
    req.on('error', (err) => fail(err.message));
    req.end();
  });
}

export interface WebIdentity {
  /** The token's claims, verified. */
  claims: JWTPayload;
  /** The audience that matched one of the provider's client ids. */
  audience: string;
  subject: string;
}

export class WebIdentityVerifier {
  private readonly keys = new Map<string, { at: number; jwks: JSONWebKeySet }>();

  /** The issuer's key set (cached for JWKS_CACHE_MS per provider). */
  private async keySet(provider: OidcProvider, now: number, refresh: boolean): Promise<JSONWebKeySet> {
    // Keyed by what the keys were trusted under: a provider deleted and made again with other
    // thumbprints must not inherit keys fetched under the old ones.
    const cacheKey = `${provider.arn}|${provider.createdAt}|${provider.thumbprints.join(',')}`;
    const cached = this.keys.get(cacheKey);
    if (cached && !refresh && now - cached.at < JWKS_CACHE_MS) return cached.jwks;
    const issuer = `https://${provider.url}`;
    const discovery = (await fetchJson(`${issuer}/.well-known/openid-configuration`, provider.thumbprints)) as {
      jwks_uri?: unknown;
      issuer?: unknown;
    };
    if (typeof discovery?.jwks_uri !== 'string')
      throw new IdentityError('IDPCommunicationError', `${issuer}/.well-known/openid-configuration names no jwks_uri`);
    const jwks = (await fetchJson(discovery.jwks_uri, provider.thumbprints)) as JSONWebKeySet;
    if (!Array.isArray(jwks?.keys))
      throw new IdentityError('IDPCommunicationError', `${discovery.jwks_uri} is not a JSON Web Key Set`);
    if (this.keys.size > 1000) this.keys.clear();
    this.keys.set(cacheKey, { at: now, jwks });
    return jwks;
  }

  /**
   * The verified identity in `token` for `provider`: its signature by one of the issuer's keys,
   * its issuer, expiry and an audience among the provider's client ids.
   */
  async verify(token: string, provider: OidcProvider, now = Date.now()): Promise<WebIdentity> {
    const issuer = `https://${provider.url}`;
    // Loaded on first use: only web identity federation needs it.
    const { createLocalJWKSet, errors, jwtVerify } = await import('jose');
    const attempt = async (refresh: boolean) => {
      const jwks = createLocalJWKSet(await this.keySet(provider, now, refresh));
      return jwtVerify(token, jwks, { issuer, currentDate: new Date(now), clockTolerance: 60 });
    };
    let payload: JWTPayload;
    try {
      try {
        ({ payload } = await attempt(false));
      } catch (err) {
        // A key the cached set does not have yet: the issuer rotated its keys.
        if (!(err instanceof errors.JWKSNoMatchingKey)) throw err;
        ({ payload } = await attempt(true));
      }
    } catch (err) {
      if (err instanceof IdentityError) throw err;
      if (err instanceof errors.JWTExpired)
        throw new IdentityError(
          'ExpiredTokenException',
          'Token expired: current date/time must be before the expiration date/time.',
        );
      if (err instanceof errors.JWTClaimValidationFailed && err.claim === 'iss')
        throw new IdentityError('InvalidIdentityToken', `The token's issuer is not ${issuer}`);
      throw new IdentityError(
        'InvalidIdentityToken',
        `The web identity token could not be verified: ${(err as Error).message}`,
      );
    }
    const audiences = typeof payload.aud === 'string' ? [payload.aud] : Array.isArray(payload.aud) ? payload.aud : [];
    const candidates = [...audiences, ...(typeof payload.azp === 'string' ? [payload.azp] : [])];
    const audience = candidates.find((a) => provider.clientIds.includes(a));
    if (!audience) throw new IdentityError('InvalidIdentityToken', 'Incorrect token audience');
    if (typeof payload.sub !== 'string' || payload.sub.length === 0)
      throw new IdentityError('InvalidIdentityToken', 'The token has no subject (sub)');
    return { claims: payload, audience, subject: payload.sub };
  }
}
