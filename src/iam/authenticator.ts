// Who is calling: a SigV4-signed API request (access key), or a registry request with
// `Authorization: Basic base64("AWS:<password from GetAuthorizationToken>")`.
import { RegistryError } from '../domain/errors.js';
import type { AuthenticatedPrincipal, Principal } from './authorizer.js';
import type { IdentityService } from './identities.js';
import { parseSignature, SignatureError, verifySignature, type SignedRequest } from './sigv4.js';
import type { TokenService } from './tokens.js';

export class Authenticator {
  constructor(private readonly identities: IdentityService, private readonly tokens: TokenService, private readonly region: string) {}

  /** The principal of a SigV4-signed request; throws a SignatureError naming what is wrong. */
  async sigV4(request: SignedRequest, service: string, now = Date.now()): Promise<AuthenticatedPrincipal> {
    const signature = parseSignature(request);
    if (!signature) throw new SignatureError('MissingAuthenticationTokenException', 'Missing Authentication Token', 403);
    if (signature.securityToken) {
      throw new SignatureError('UnrecognizedClientException', 'The security token included in the request is invalid.');
    }
    const key = await this.identities.resolve(signature.accessKeyId, now);
    if (!key) throw new SignatureError('UnrecognizedClientException', 'The security token included in the request is invalid.');
    if (!key.active) throw new SignatureError('UnrecognizedClientException', 'The security token included in the request is invalid: the access key is inactive.');
    verifySignature(request, signature, key.secret, { service, region: this.region, now });
    return key.principal;
  }

  /**
   * The principal of a registry request: anonymous without credentials; UNAUTHORIZED for
   * credentials that are malformed, forged, expired, or whose access key no longer works.
   */
  async basic(authorization: string | undefined, now = Date.now()): Promise<Principal> {
    if (!authorization) return { kind: 'anonymous' };
    const match = /^Basic\s+([A-Za-z0-9+/=]+)\s*$/i.exec(authorization);
    if (!match) throw new RegistryError('UNAUTHORIZED', 'unsupported Authorization scheme: use Basic with user AWS and a password from GetAuthorizationToken');
    const decoded = Buffer.from(match[1]!, 'base64').toString('utf8');
    const colon = decoded.indexOf(':');
    const user = decoded.slice(0, colon);
    const claims = colon > 0 && user === 'AWS' ? this.tokens.verify(decoded.slice(colon + 1), now) : undefined;
    if (!claims) throw new RegistryError('UNAUTHORIZED', 'invalid or expired credentials: log in again with a password from GetAuthorizationToken');
    return this.keyPrincipal(claims, now);
  }

  /** The principal behind a verified credential naming an access key (a password, a bearer token). */
  async keyPrincipal(claims: { account: string; key: string }, now = Date.now()): Promise<Principal> {
    const key = await this.identities.resolve(claims.key, now);
    if (!key || !key.active || key.principal.accountId !== claims.account) {
      throw new RegistryError('UNAUTHORIZED', 'the access key behind these credentials was deleted or deactivated');
    }
    return key.principal;
  }
}
