// Console passwords over IAM's query API: CreateLoginProfile, GetLoginProfile, UpdateLoginProfile,
// DeleteLoginProfile, ChangePassword, and the account's password policy (Get/Update/DeleteAccountPasswordPolicy).
import { z } from 'zod';
import type { PasswordPolicy } from '../../../domain/records/console.js';
import { signed } from '../../../iam/iam-access.js';
import type { LoginProfileService } from '../../../iam/login-profiles.js';
import { input, type IamActionTable } from '../call.js';
import { name } from '../shapes.js';

/** passwordType: 1 to 128 of tab, newline, carriage return and U+0020 to U+00FF. */
const password = z
  .string()
  .min(1)
  .max(128)
  .refine(
    (v) => [...v].every((c) => c === '\t' || c === '\n' || c === '\r' || (c >= ' ' && c <= '\u00FF')),
    'Member must satisfy regular expression pattern: [\\u0009\\u000A\\u000D\\u0020-\\u00FF]+',
  );
const bool = z
  .enum(['true', 'false'])
  .transform((v) => v === 'true')
  .optional();
const int = (min: number, max: number) => z.coerce.number().int().min(min).max(max).optional();

function policyXml(p: PasswordPolicy) {
  return {
    MinimumPasswordLength: p.minimumPasswordLength,
    RequireSymbols: p.requireSymbols,
    RequireNumbers: p.requireNumbers,
    RequireUppercaseCharacters: p.requireUppercaseCharacters,
    RequireLowercaseCharacters: p.requireLowercaseCharacters,
    AllowUsersToChangePassword: p.allowUsersToChangePassword,
    ExpirePasswords: p.maxPasswordAge !== null,
    MaxPasswordAge: p.maxPasswordAge ?? undefined,
    PasswordReusePrevention: p.passwordReusePrevention ?? undefined,
    HardExpiry: p.hardExpiry ?? undefined,
  };
}

export function loginProfileActions(profiles: LoginProfileService): IamActionTable {
  return {
    async CreateLoginProfile(call) {
      const body = input(
        z.object({ UserName: name.optional(), Password: password, PasswordResetRequired: bool }),
        call.body,
      );
      const { user, profile } = await profiles.create(
        signed(call.principal),
        body.UserName,
        body.Password,
        body.PasswordResetRequired ?? false,
      );
      return {
        LoginProfile: {
          UserName: user.kind === 'root' ? undefined : user.name,
          CreateDate: new Date(profile.createdAt),
          PasswordResetRequired: profile.resetRequired,
        },
      };
    },
    async GetLoginProfile(call) {
      const body = input(z.object({ UserName: name.optional() }), call.body);
      const { user, profile } = await profiles.get(signed(call.principal), body.UserName);
      return {
        LoginProfile: {
          UserName: user.kind === 'root' ? undefined : user.name,
          CreateDate: new Date(profile.createdAt),
          PasswordResetRequired: profile.resetRequired,
        },
      };
    },
    async UpdateLoginProfile(call) {
      const body = input(
        z.object({ UserName: name, Password: password.optional(), PasswordResetRequired: bool }),
        call.body,
      );
      await profiles.update(signed(call.principal), body.UserName, body.Password, body.PasswordResetRequired);
      return undefined;
    },
    async DeleteLoginProfile(call) {
      const body = input(z.object({ UserName: name.optional() }), call.body);
      await profiles.delete(signed(call.principal), body.UserName);
      return undefined;
    },
    async ChangePassword(call) {
      const body = input(z.object({ OldPassword: password, NewPassword: password }), call.body);
      await profiles.changePassword(signed(call.principal), body.OldPassword, body.NewPassword);
      return undefined;
    },
    async GetAccountPasswordPolicy(call) {
      return { PasswordPolicy: policyXml(await profiles.getPolicy(signed(call.principal))) };
    },
    async UpdateAccountPasswordPolicy(call) {
      const body = input(
        z.object({
          MinimumPasswordLength: int(6, 128),
          RequireSymbols: bool,
          RequireNumbers: bool,
          RequireUppercaseCharacters: bool,
          RequireLowercaseCharacters: bool,
          AllowUsersToChangePassword: bool,
          MaxPasswordAge: int(1, 1095),
          PasswordReusePrevention: int(1, 24),
          HardExpiry: bool,
        }),
        call.body,
      );
      await profiles.putPolicy(signed(call.principal), {
        minimumPasswordLength: body.MinimumPasswordLength,
        requireSymbols: body.RequireSymbols,
        requireNumbers: body.RequireNumbers,
        requireUppercaseCharacters: body.RequireUppercaseCharacters,
        requireLowercaseCharacters: body.RequireLowercaseCharacters,
        allowUsersToChangePassword: body.AllowUsersToChangePassword,
        maxPasswordAge: body.MaxPasswordAge,
        passwordReusePrevention: body.PasswordReusePrevention,
        hardExpiry: body.HardExpiry,
      });
      return undefined;
    },
    async DeleteAccountPasswordPolicy(call) {
      await profiles.deletePolicy(signed(call.principal));
      return undefined;
    },
  };
}
