// Signing with the key service's asymmetric keys: Sign, Verify and GetPublicKey for callers, and
// signing a digest for Berth's own use (managed signing of images: no caller to authorize, the
// signing configuration's author was). Only a usable (Enabled) SIGN_VERIFY key signs or verifies.
import { KmsActions } from '../domain/actions.js';
import { KmsError } from '../domain/kms-errors.js';
import type { KmsKey } from '../domain/records/kms.js';
import type { KeyAuthorization, KmsContext } from './key-authorization.js';
import type { KeyMaterials } from './key-materials.js';
import {
  checkSigning,
  isSigningKey,
  MESSAGE_MAX_BYTES,
  type MessageType,
  publicKeyDer,
  signMessage,
  verifyMessage,
} from './key-pairs.js';
import { usable } from './key-states.js';

export interface SignRequest {
  reference: string;
  message: Buffer;
  messageType: MessageType;
  algorithm: string;
}

export class KeySigning {
  constructor(
    private readonly materials: KeyMaterials,
    private readonly access: KeyAuthorization,
  ) {}

  async sign(ctx: KmsContext, request: SignRequest): Promise<{ key: KmsKey; signature: Buffer }> {
    const key = await this.access.target(ctx, request.reference, KmsActions.Sign);
    return { key, signature: await this.signWith(key, request) };
  }

  async verify(ctx: KmsContext, request: SignRequest, signature: Buffer): Promise<KmsKey> {
    const key = await this.access.target(ctx, request.reference, KmsActions.Verify);
    checkMessage(request);
    usable(key);
    checkSigning(key, request.algorithm);
    const privateKey = await this.materials.privateKey(key);
    if (!verifyMessage(privateKey, request.algorithm, request.message, request.messageType, signature))
      throw new KmsError('KMSInvalidSignatureException', 'the signature is not valid for the message and key');
    return key;
  }

  async publicKey(ctx: KmsContext, reference: string): Promise<{ key: KmsKey; publicKey: Buffer }> {
    const key = await this.access.target(ctx, reference, KmsActions.GetPublicKey);
    return { key, publicKey: await this.publicKeyOf(key) };
  }

  // Berth's own use.

  /** The key, when usable; InvalidKeyUsageException when it does not sign. */
  async signingKey(key: KmsKey): Promise<KmsKey> {
    usable(key);
    if (!isSigningKey(key))
      throw new KmsError('InvalidKeyUsageException', `${key.arn} key usage is ${key.keyUsage}, not SIGN_VERIFY`);
    return key;
  }

  /**
   * Signs a SHA-256 digest: ECDSA_SHA_256 with an ECC key, RSASSA_PKCS1_V1_5_SHA_256 with an RSA
   * key (what verifiers such as Sigstore's assume of an RSA public key).
   */
  async signDigest(key: KmsKey, digest: Buffer): Promise<{ algorithm: string; signature: Buffer }> {
    const algorithm = key.keySpec === 'ECC_NIST_P256' ? 'ECDSA_SHA_256' : 'RSASSA_PKCS1_V1_5_SHA_256';
    const signature = await this.signWith(key, {
      reference: key.arn,
      message: digest,
      messageType: 'DIGEST',
      algorithm,
    });
    return { algorithm, signature };
  }

  async publicKeyOf(key: KmsKey): Promise<Buffer> {
    usable(key);
    if (!isSigningKey(key))
      throw new KmsError('UnsupportedOperationException', `${key.arn} is a symmetric key: it has no public key`);
    return publicKeyDer(await this.materials.privateKey(key));
  }

  private async signWith(key: KmsKey, request: SignRequest): Promise<Buffer> {
    checkMessage(request);
    usable(key);
    checkSigning(key, request.algorithm);
    return signMessage(await this.materials.privateKey(key), request.algorithm, request.message, request.messageType);
  }
}

function checkMessage(request: SignRequest): void {
  if (request.message.length === 0 || request.message.length > MESSAGE_MAX_BYTES)
    throw new KmsError('ValidationException', `Message must be 1 to ${MESSAGE_MAX_BYTES} bytes`);
}
