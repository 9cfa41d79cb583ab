// Request parameters as the audit trail keeps them: secret values, passwords, tokens and key
// material replaced, as CloudTrail does, and large values (manifests, layer parts) cut short.

export const HIDDEN = 'HIDDEN_DUE_TO_SECURITY_REASONS';

/** Parameter names whose values are never kept (compared without case). */
const SECRET_NAMES = new Set(
  [
    'SecretString',
    'SecretBinary',
    'Plaintext',
    'Password',
    'NewPassword',
    'OldPassword',
    'SecretAccessKey',
    'SessionToken',
    'WebIdentityToken',
    'SAMLAssertion',
    'KeyMaterial',
    'EncryptedKeyMaterial',
    'ImportToken',
    'PrivateKey',
    'ClientSecret',
    'AuthorizationToken',
    'Token',
    'LayerPartBlob',
    'CiphertextBlob',
    'RotationToken',
  ].map((name) => name.toLowerCase()),
);
/** Names that look secret wherever they appear (a password field inside a nested document). */
const SECRET_PATTERN = /(password|secretaccesskey|sessiontoken|privatekey|keymaterial|secretstring)/i;

const MAX_STRING = 4096;
const MAX_DEPTH = 8;

function hidden(name: string): boolean {
  return SECRET_NAMES.has(name.toLowerCase()) || SECRET_PATTERN.test(name);
}

/** A copy of `value` with what must not be kept replaced. */
export function redact(value: unknown, depth = 0): unknown {
  if (typeof value === 'string') return value.length > MAX_STRING ? `${value.slice(0, MAX_STRING)}…` : value;
  if (value === null || typeof value !== 'object') return value;
  if (depth >= MAX_DEPTH) return '…';
  if (Array.isArray(value)) return value.slice(0, 100).map((item) => redact(item, depth + 1));
  const out: Record<string, unknown> = {};
  for (const [key, item] of Object.entries(value)) out[key] = hidden(key) ? HIDDEN : redact(item, depth + 1);
  return out;
}
