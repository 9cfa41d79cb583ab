// Table types of the console (issue 23, migration 0023); schema.ts gathers every table.

export interface LoginProfilesTable {
  user_id: string;
  account_id: string;
  password_hash: string;
  reset_required: number;
  created_at: number;
  changed_at: number;
  /** JSON: earlier hashes, newest first. */
  history: string;
}

export interface PasswordPoliciesTable {
  account_id: string;
  /** JSON: the PasswordPolicy record. */
  policy: string;
}

export interface ConsoleSessionsTable {
  id: string;
  user_id: string;
  account_id: string;
  csrf_token: string;
  created_at: number;
  last_seen_at: number;
}

export interface SignInFailuresTable {
  key: string;
  failures: number;
  window_start: number;
  last_failure_at: number;
}
