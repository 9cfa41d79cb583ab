// What the metadata port keeps of Secrets Manager's secrets: the secret (its name, ARN, key,
// tags, resource policy, deletion date) and its versions (sealed values and staging labels).

export interface SecretTag {
  key: string;
  value: string;
}

export interface Secret {
  /** The ARN's last part, `<name>-<6 random chars>`: stable across a name's reuse after deletion. */
  id: string;
  accountId: string;
  name: string;
  arn: string;
  description: string | null;
  /** The KMS key (ARN) that wraps its values' data keys; null: the master key seals them. */
  kmsKeyArn: string | null;
  tags: SecretTag[];
  /** Its resource policy's text, if it has one. */
  policy: string | null;
  createdAt: number;
  /** When its value, description, key or tags last changed. */
  updatedAt: number;
  /** When GetSecretValue last read it (AWS keeps the day only). */
  accessedAt: number | null;
  /** When a scheduled deletion takes effect (reads are refused until it is restored). */
  deletedAt: number | null;
}

export interface SecretVersion {
  secretId: string;
  versionId: string;
  /** AWSCURRENT, AWSPREVIOUS, AWSPENDING or the caller's own labels. */
  stages: string[];
  /** The value, sealed (secrets/secret-sealing.ts): which key and the ciphertext. */
  sealed: string;
  createdAt: number;
}
