// Account settings of the ECR API (GetAccountSetting / PutAccountSetting): the names and values
// the model's documentation allows, and what an account that never set one reads.
import { ManagementError } from './management-errors.js';

interface SettingSpec {
  values: readonly string[];
  default: string;
}

export const ACCOUNT_SETTINGS: Record<string, SettingSpec> = {
  BASIC_SCAN_TYPE_VERSION: { values: ['AWS_NATIVE'], default: 'AWS_NATIVE' },
  REGISTRY_POLICY_SCOPE: { values: ['V2'], default: 'V2' },
  // Berth has always honoured cross-repository mounts, so ENABLED is its default (ECR's is
  // DISABLED); DISABLED makes a mount request start an ordinary upload instead.
  BLOB_MOUNTING: { values: ['ENABLED', 'DISABLED'], default: 'ENABLED' },
};

export function settingSpec(name: string): SettingSpec {
  const spec = Object.hasOwn(ACCOUNT_SETTINGS, name) ? ACCOUNT_SETTINGS[name] : undefined;
  if (!spec)
    throw new ManagementError(
      'VALIDATION',
      `'${name}' is not an account setting: use one of ${Object.keys(ACCOUNT_SETTINGS).join(', ')}`,
    );
  return spec;
}

export function assertSettingValue(name: string, value: string): string {
  const spec = settingSpec(name);
  if (!spec.values.includes(value))
    throw new ManagementError('VALIDATION', `'${value}' is not a value of ${name}: use ${spec.values.join(' or ')}`);
  return value;
}

/** Whether cross-repository mounts are honoured, given the account's BLOB_MOUNTING value. */
export function blobMountingEnabled(stored: string | undefined): boolean {
  return (stored ?? ACCOUNT_SETTINGS.BLOB_MOUNTING!.default) === 'ENABLED';
}
