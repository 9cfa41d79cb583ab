// What managed signing asks of the key service (implemented by kms/key-service.ts, passed in by
// the composition root): finding a usable SIGN_VERIFY key, signing a SHA-256 digest with it, and
// its public key. No caller is authorized here: the signing configuration's author was.

export interface SigningKey {
  arn: string;
  keySpec: string;
}

export interface SigningKeys {
  /** The SIGN_VERIFY key a reference (alias/…, key id or ARN) names in the account; throws the KMS error that says why not. */
  signingKey(accountId: string, reference: string): Promise<SigningKey>;
  /** Signs a SHA-256 digest (ECDSA_SHA_256, or RSASSA_PKCS1_V1_5_SHA_256 with an RSA key). */
  signDigest(keyArn: string, digest: Buffer): Promise<{ algorithm: string; signature: Buffer }>;
  /** The key's public key, DER SubjectPublicKeyInfo. */
  publicKey(keyArn: string): Promise<Buffer>;
}
