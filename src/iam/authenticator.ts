// Who is calling: a SigV4-signed API request (an access key, or temporary credentials with
// X-Amz-Security-Token), or a registry request with
// `Authorization: Basic base64("AWS:<password from GetAuthorizationToken>")`.
import { RegistryError } from '../domain/errors.js';
import type { AuthenticatedPrincipal, Principal } from '../domain/principal.js';
import type { IdentityService } from './identities.js';
import type { KeyUsageRecorder } from './key-usage.js';
import { isSessionKeyId, type SessionService } from './sessions.js';
import { parseSignature, SignatureError, verifySignature, type SignedRequest } from './sigv4.js';
import type { TokenService } from './tokens.js';

/** IAM is a global service: clients sign for it in us-east-1 whatever the deployment's region. */
const GLOBAL_SERVICES: Record<string, string> = { iam: 'us-east-1' };

/**
 * What a Basic Authorization header says, by its exact text: a client sends the same header
 * with every request, and matching, decoding and slicing it anew cost more than the rest of
 * authentication. Only the text's own content is kept; the password is verified (tokens.ts:
 * its claims until their expiry) and the access key or session behind it checked on every
 * request.
 */
type BasicCredentials = { kind: 'anonymous' } | { kind: 'password'; user: string; password: string };
const BASIC = new Map<string, BasicCredentials>();
const BASIC_KEPT = 4096;

function parseBasic(authorization: string): BasicCredentials {
  let parsed = BASIC.get(authorization);
  if (parsed === undefined) {
    const match = /^Basic\s+([A-Za-z0-9+/=]+)\s*$/i.exec(authorization);
    if (!match)
      throw new RegistryError(
        'UNAUTHORIZED',
        'unsupported Authorization scheme: use Basic with user AWS and a password from GetAuthorizationToken',
      );
    const decoded = Buffer.from(match[1]!, 'base64').toString('utf8');
    const colon = decoded.indexOf(':');
    // Empty credentials (`Basic Og==`, i.e. ":") are what skopeo and podman send with no login
    // after a Basic challenge: no credentials, so anonymous (what policies allow "*" decides).
    parsed =
      decoded === ':'
        ? { kind: 'anonymous' }
        : { kind: 'password', user: colon > 0 ? decoded.slice(0, colon) : '', password: decoded.slice(colon + 1) };
    if (BASIC.size >= BASIC_KEPT) BASIC.clear();
    BASIC.set(authorization, parsed);
  }
  return parsed;
}

export class Authenticator {
  constructor(
    private readonly identities: IdentityService,
    private readonly tokens: TokenService,
    private readonly region: string,
    private readonly sessions: SessionService,
    /** Where uses of long-term keys are noted (their last use: GetAccessKeyLastUsed, `berth admin keys ls`). */
    private readonly usage?: KeyUsageRecorder,
  ) {}

  /** The principal of a SigV4-signed request; throws a SignatureError naming what is wrong. */
  async sigV4(request: SignedRequest, service: string, now = Date.now()): Promise<AuthenticatedPrincipal> {
    const signature = parseSignature(request);
    if (!signature)
      throw new SignatureError('MissingAuthenticationTokenException', 'Missing Authentication Token', 403);
    const { principal, secret } = await this.signer(signature, now);
    const global = GLOBAL_SERVICES[service];
    const region = global !== undefined && signature.region === global ? global : this.region;
    verifySignature(request, signature, secret, { service, region, now });
    if (principal.kind !== 'role-session') this.usage?.record(signature.accessKeyId, service, region, now);
    return principal;
  }

  /**
   * What can be checked of a SigV4-signed request before its body is read: that it is signed at
   * all, by an access key (or temporary credentials) that exists and works. A request refused
   * here costs the server no body; sigV4 then verifies the signature over the body.
   */
  async identify(request: Omit<SignedRequest, 'bodySha256'>, now = Date.now()): Promise<void> {
    const signature = parseSignature({ ...request, bodySha256: '' });
    if (!signature)
      throw new SignatureError('MissingAuthenticationTokenException', 'Missing Authentication Token', 403);
    await this.signer(signature, now);
  }

  /** The principal behind a signature's access key, and the secret it must be signed with. */
  private async signer(
    signature: NonNullable<ReturnType<typeof parseSignature>>,
    now: number,
  ): Promise<{ principal: AuthenticatedPrincipal; secret: string }> {
    let principal: AuthenticatedPrincipal;
    let secret: string;
    if (isSessionKeyId(signature.accessKeyId)) {
      if (!signature.securityToken)
        throw new SignatureError(
          'UnrecognizedClientException',
          'The security token included in the request is invalid: temporary credentials need X-Amz-Security-Token.',
          403,
        );
      principal = this.sessions.verify(signature.securityToken, signature.accessKeyId, now);
      secret = this.sessions.secretOf(signature.accessKeyId);
    } else {
      if (signature.securityToken)
        throw new SignatureError(
          'UnrecognizedClientException',
          'The security token included in the request is invalid.',
          403,
        );
      const key = await this.identities.resolve(signature.accessKeyId, now);
      if (!key)
        throw new SignatureError(
          'UnrecognizedClientException',
          'The security token included in the request is invalid.',
          403,
        );
      if (!key.active)
        throw new SignatureError(
          'UnrecognizedClientException',
          'The security token included in the request is invalid: the access key is inactive.',
          403,
        );
      principal = key.principal;
      secret = key.secret;
    }
    return { principal, secret };
  }

  /**
   * The principal of a registry request: anonymous without credentials; UNAUTHORIZED for
   * credentials that are malformed, forged, expired, or whose access key or session no longer works.
   */
  async basic(authorization: string | undefined, now = Date.now()): Promise<Principal> {
    if (!authorization) return { kind: 'anonymous' };
    const credentials = parseBasic(authorization);
    if (credentials.kind === 'anonymous') return { kind: 'anonymous' };
    const claims = credentials.user === 'AWS' ? this.tokens.verify(credentials.password, now) : undefined;
    if (!claims)
      throw new RegistryError(
        'UNAUTHORIZED',
        'invalid or expired credentials: log in again with a password from GetAuthorizationToken',
      );
    return this.keyPrincipal(claims, now);
  }

  /**
   * The principal behind a verified credential naming an access key (a password, a bearer
   * token): a role session's, when the credential carries one, else the key's owner.
   */
  async keyPrincipal(claims: { account: string; key: string; session?: string }, now = Date.now()): Promise<Principal> {
    if (claims.session !== undefined) {
      try {
        const session = this.sessions.verify(claims.session, claims.key, now);
        if (session.accountId === claims.account) return session;
      } catch {
        /* refused below */
      }
      throw new RegistryError(
        'UNAUTHORIZED',
        'the temporary credentials behind these credentials expired or are not valid here: log in again',
      );
    }
    const key = await this.identities.resolve(claims.key, now);
    if (!key?.active || key.principal.accountId !== claims.account) {
      throw new RegistryError('UNAUTHORIZED', 'the access key behind these credentials was deleted or deactivated');
    }
    return key.principal;
  }
}
