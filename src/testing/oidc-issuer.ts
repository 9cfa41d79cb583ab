// A test OpenID Connect issuer on loopback: its own key pair and a self-signed TLS certificate
// (openssl), serving /.well-known/openid-configuration and its JWKS over HTTPS, and signing
// web identity tokens with jose, as a CI system's token service would.
import { execFileSync } from 'node:child_process';
import { createHash, X509Certificate } from 'node:crypto';
import { readFileSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:https';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { exportJWK, generateKeyPair, SignJWT, type CryptoKey, type JWK } from 'jose';
import { tempDir } from './server.js';

export class TestIssuer {
  private constructor(
    private readonly server: Server,
    private readonly privateKey: CryptoKey,
    /** The issuer URL (https://127.0.0.1:PORT), the `iss` of its tokens. */
    readonly url: string,
    /** SHA-1 thumbprint (hex) of its certificate, for ThumbprintList. */
    readonly thumbprint: string,
    readonly kid: string,
  ) {}

  static async start(): Promise<TestIssuer> {
    const dir = tempDir('berth-oidc-');
    try {
      execFileSync(
        'openssl',
        [
          'req',
          '-x509',
          '-newkey',
          'ec',
          '-pkeyopt',
          'ec_paramgen_curve:P-256',
          '-nodes',
          '-days',
          '1',
          '-subj',
          '/CN=127.0.0.1',
          '-addext',
          'subjectAltName=IP:127.0.0.1',
          '-keyout',
          join(dir, 'key.pem'),
          '-out',
          join(dir, 'cert.pem'),
        ],
        { stdio: 'ignore' },
      );
      const cert = readFileSync(join(dir, 'cert.pem'));
      const key = readFileSync(join(dir, 'key.pem'));
      const thumbprint = createHash('sha1').update(new X509Certificate(cert).raw).digest('hex');
      const { publicKey, privateKey } = await generateKeyPair('RS256');
      const kid = 'test-key-1';
      const jwk: JWK = { ...(await exportJWK(publicKey)), kid, alg: 'RS256', use: 'sig' };
      let base = '';
      const server = createServer({ cert, key }, (req, res) => {
        const send = (body: object) =>
          res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(body));
        if (req.url === '/.well-known/openid-configuration')
          send({ issuer: base, jwks_uri: `${base}/keys`, id_token_signing_alg_values_supported: ['RS256'] });
        else if (req.url === '/keys') send({ keys: [jwk] });
        else res.writeHead(404).end();
      });
      await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
      base = `https://127.0.0.1:${(server.address() as AddressInfo).port}`;
      return new TestIssuer(server, privateKey, base, thumbprint, kid);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }

  /** A signed token with these claims (iss, iat and a 10-minute exp unless given). */
  async token(
    claims: { sub: string; aud: string | string[]; exp?: number; iss?: string },
    key: CryptoKey = this.privateKey,
  ): Promise<string> {
    const now = Math.floor(Date.now() / 1000);
    return new SignJWT({ aud: claims.aud })
      .setProtectedHeader({ alg: 'RS256', kid: this.kid, typ: 'JWT' })
      .setIssuer(claims.iss ?? this.url)
      .setSubject(claims.sub)
      .setIssuedAt(now - 5)
      .setExpirationTime(claims.exp ?? now + 600)
      .sign(key);
  }

  /** A key pair the issuer does not publish (for forged tokens). */
  static async strangerKey(): Promise<CryptoKey> {
    return (await generateKeyPair('RS256')).privateKey;
  }

  close(): Promise<void> {
    const closed = new Promise<void>((resolve) => this.server.close(() => resolve()));
    this.server.closeAllConnections();
    return closed;
  }
}
