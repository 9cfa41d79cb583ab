// The key service (a KMS subset): customer keys with their lifecycle, aliases, policies and
// rotation, and the cryptography Berth needs from them (wrapping blobs' data keys). Keys belong
// to an account; every operation by a caller is authorized on the key's ARN (key-authorization.ts).
// This class is the one face of the service to the rest of Berth, over its parts: the key
// directory (naming and finding keys), lifecycle, aliases, policies, rotation, cryptography and
// the keys of KMS repositories.
import type { Action } from '../domain/actions.js';
import type { Authorizer } from '../domain/authorizer.js';
import type { KeyWrapping, RepositoryKeys } from '../domain/key-wrapping.js';
import type { SigningKey, SigningKeys } from '../domain/signing-keys.js';
import type { KmsAlias, KmsKey } from '../domain/records/kms.js';
import type { Seal } from '../keys/shared-secret.js';
import type { MetadataStore } from '../metadata/store.js';
import type { KmsRequest } from './condition-keys.js';
import type { GrantScope } from './grant-rules.js';
import { KeyAliases } from './key-aliases.js';
import { type KeyAccess, KeyAuthorization, type KmsContext } from './key-authorization.js';
import { KeyCryptography } from './key-cryptography.js';
import { arnAccountOf, KeyDirectory } from './key-directory.js';
import { KeyLifecycle } from './key-lifecycle.js';
import type { EncryptionContext } from './key-material.js';
import { KeyMaterials } from './key-materials.js';
import { KeyPolicies } from './key-policy.js';
import { KeyRotation } from './key-rotation.js';
import { KeySigning, type SignRequest } from './key-signing.js';
import { EcrRepositoryKeys } from './repository-keys.js';

export class KeyService implements KeyWrapping, RepositoryKeys, KeyAccess, SigningKeys {
  private readonly directory: KeyDirectory;
  private readonly access: KeyAuthorization;
  private readonly lifecycle: KeyLifecycle;
  private readonly aliases: KeyAliases;
  private readonly policies: KeyPolicies;
  private readonly rotation: KeyRotation;
  private readonly crypto: KeyCryptography;
  private readonly signing: KeySigning;
  private readonly repositoryKeys: EcrRepositoryKeys;

  constructor(
    store: Pick<MetadataStore, 'kms' | 'identities' | 'roles' | 'oidcProviders'>,
    seal: Seal,
    authorizer: Authorizer,
    region: string,
  ) {
    const materials = new KeyMaterials(store, seal);
    this.directory = new KeyDirectory(store, region);
    this.access = new KeyAuthorization(store, authorizer, this.directory);
    this.policies = new KeyPolicies(store, this.access, authorizer);
    this.lifecycle = new KeyLifecycle(store, materials, this.access, this.policies);
    this.aliases = new KeyAliases(store, this.access);
    this.rotation = new KeyRotation(store, materials, this.access);
    this.crypto = new KeyCryptography(store, materials, this.access);
    this.signing = new KeySigning(materials, this.access);
    this.repositoryKeys = new EcrRepositoryKeys(store, this.access, this.lifecycle);
  }

  keyArn(accountId: string, id: string): string {
    return this.directory.keyArn(accountId, id);
  }

  aliasArn(accountId: string, name: string): string {
    return this.directory.aliasArn(accountId, name);
  }

  find(accountId: string, reference: string): Promise<KmsKey> {
    return this.directory.find(accountId, reference);
  }

  authorizeOn(
    ctx: KmsContext,
    action: Action,
    key: KmsKey,
    request?: KmsRequest,
    proposed?: GrantScope,
  ): Promise<void> {
    return this.access.authorizeOn(ctx, action, key, request, proposed);
  }

  authorizeAccount(ctx: KmsContext, action: Action, resource: string): Promise<void> {
    return this.access.authorizeAccount(ctx, action, resource);
  }

  // Lifecycle.

  create(ctx: KmsContext, request: Parameters<KeyLifecycle['create']>[1]): Promise<KmsKey> {
    return this.lifecycle.create(ctx, request);
  }

  describe(ctx: KmsContext, reference: string): Promise<KmsKey> {
    return this.lifecycle.describe(ctx, reference);
  }

  list(ctx: KmsContext, after: string | undefined, limit: number): Promise<KmsKey[]> {
    return this.lifecycle.list(ctx, after, limit);
  }

  enable(ctx: KmsContext, reference: string): Promise<void> {
    return this.lifecycle.enable(ctx, reference);
  }

  disable(ctx: KmsContext, reference: string): Promise<void> {
    return this.lifecycle.disable(ctx, reference);
  }

  scheduleDeletion(ctx: KmsContext, reference: string, days?: number): Promise<KmsKey> {
    return this.lifecycle.scheduleDeletion(ctx, reference, days);
  }

  cancelDeletion(ctx: KmsContext, reference: string): Promise<KmsKey> {
    return this.lifecycle.cancelDeletion(ctx, reference);
  }

  deleteDue(now: number): Promise<number> {
    return this.lifecycle.deleteDue(now);
  }

  // Aliases and policies.

  createAlias(ctx: KmsContext, name: string, targetReference: string): Promise<void> {
    return this.aliases.create(ctx, name, targetReference);
  }

  listAliases(
    ctx: KmsContext,
    keyReference: string | undefined,
    after: string | undefined,
    limit: number,
  ): Promise<KmsAlias[]> {
    return this.aliases.list(ctx, keyReference, after, limit);
  }

  getPolicy(ctx: KmsContext, reference: string, name?: string): Promise<string> {
    return this.policies.get(ctx, reference, name);
  }

  putPolicy(
    ctx: KmsContext,
    reference: string,
    policy: string,
    options?: Parameters<KeyPolicies['put']>[3],
  ): Promise<void> {
    return this.policies.put(ctx, reference, policy, options);
  }

  listPolicies(ctx: KmsContext, reference: string): Promise<string[]> {
    return this.policies.list(ctx, reference);
  }

  // Rotation.

  setRotation(ctx: KmsContext, reference: string, enabled: boolean, periodDays?: number): Promise<void> {
    return this.rotation.set(ctx, reference, enabled, periodDays);
  }

  rotationStatus(ctx: KmsContext, reference: string): Promise<KmsKey> {
    return this.rotation.status(ctx, reference);
  }

  rotateNow(ctx: KmsContext, reference: string): Promise<KmsKey> {
    return this.rotation.rotateNow(ctx, reference);
  }

  nextRotation(key: KmsKey): Promise<number | undefined> {
    return this.rotation.next(key);
  }

  rotateDue(now: number): Promise<number> {
    return this.rotation.rotateDue(now);
  }

  // Cryptography, for callers and for Berth's own data keys.

  encrypt(
    ctx: KmsContext,
    reference: string,
    plaintext: Buffer,
    context?: EncryptionContext,
  ): Promise<{ key: KmsKey; blob: Buffer }> {
    return this.crypto.encrypt(ctx, reference, plaintext, context);
  }

  generateDataKey(
    ctx: KmsContext,
    reference: string,
    bytes: number,
    context?: EncryptionContext,
  ): Promise<{ key: KmsKey; plaintext: Buffer; blob: Buffer }> {
    return this.crypto.generateDataKey(ctx, reference, bytes, context);
  }

  decrypt(
    ctx: KmsContext,
    blob: Buffer,
    context?: EncryptionContext,
    reference?: string,
  ): Promise<{ key: KmsKey; plaintext: Buffer }> {
    return this.crypto.decrypt(ctx, blob, context, reference);
  }

  assertUsable(keyArn: string): Promise<KmsKey> {
    return this.crypto.assertUsable(keyArn);
  }

  wrap(keyArn: string, plaintext: Buffer, context: EncryptionContext): Promise<Buffer> {
    return this.crypto.wrap(keyArn, plaintext, context);
  }

  unwrap(keyArn: string, blob: Buffer, context: EncryptionContext): Promise<Buffer> {
    return this.crypto.unwrap(keyArn, blob, context);
  }

  // Signing with asymmetric keys, for callers and for Berth's managed signing.

  sign(ctx: KmsContext, request: SignRequest): Promise<{ key: KmsKey; signature: Buffer }> {
    return this.signing.sign(ctx, request);
  }

  verify(ctx: KmsContext, request: SignRequest, signature: Buffer): Promise<KmsKey> {
    return this.signing.verify(ctx, request, signature);
  }

  getPublicKey(ctx: KmsContext, reference: string): Promise<{ key: KmsKey; publicKey: Buffer }> {
    return this.signing.publicKey(ctx, reference);
  }

  async signingKey(accountId: string, reference: string): Promise<SigningKey> {
    const key = await this.signing.signingKey(await this.directory.find(accountId, reference));
    return { arn: key.arn, keySpec: key.keySpec };
  }

  async signDigest(keyArn: string, digest: Buffer): Promise<{ algorithm: string; signature: Buffer }> {
    return this.signing.signDigest(
      await this.signing.signingKey(await this.find(arnAccountOf(keyArn), keyArn)),
      digest,
    );
  }

  async publicKey(keyArn: string): Promise<Buffer> {
    return this.signing.publicKeyOf(await this.signing.signingKey(await this.find(arnAccountOf(keyArn), keyArn)));
  }

  forRepository(ctx: KmsContext, reference: string | undefined): Promise<KmsKey> {
    return this.repositoryKeys.forRepository(ctx, reference);
  }
}
