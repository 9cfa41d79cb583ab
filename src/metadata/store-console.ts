// The metadata port's index of the console (issue 23): login profiles, password policies,
// sessions (in the database, so any node serves them) and the sign-in throttle's failure counts.
import type { ConsoleSession, LoginProfile, PasswordPolicy } from '../domain/records/console.js';

export type LoginProfileChanges = Partial<
  Pick<LoginProfile, 'passwordHash' | 'resetRequired' | 'changedAt' | 'history'>
>;

export interface ConsoleIndex {
  /** Adds a login profile; false when the user already has one. */
  createLoginProfile(profile: LoginProfile): Promise<boolean>;
  getLoginProfile(userId: string): Promise<LoginProfile | undefined>;
  /** False when the user has no login profile. */
  updateLoginProfile(userId: string, changes: LoginProfileChanges): Promise<boolean>;
  /** False when the user had none. */
  deleteLoginProfile(userId: string): Promise<boolean>;
  getPasswordPolicy(accountId: string): Promise<PasswordPolicy | undefined>;
  putPasswordPolicy(accountId: string, policy: PasswordPolicy): Promise<void>;
  /** False when the account had none. */
  deletePasswordPolicy(accountId: string): Promise<boolean>;
  createSession(session: ConsoleSession): Promise<void>;
  getSession(id: string): Promise<ConsoleSession | undefined>;
  /** Moves the session's last use forward (never back). */
  touchSession(id: string, at: number): Promise<void>;
  deleteSession(id: string): Promise<void>;
  /** Ends every session of a user (its password changed or its profile went). */
  deleteUserSessions(userId: string): Promise<void>;
  /** Removes sessions idle since before `before`; how many. */
  deleteIdleSessions(before: number): Promise<number>;
  /**
   * Counts a failed sign-in under `key` (a user or an address) and answers the failures counted
   * since `windowStart` (older ones are forgotten first).
   */
  recordFailure(key: string, at: number, windowStart: number): Promise<number>;
  /** Failures under `key` since `windowStart`. */
  failures(key: string, windowStart: number): Promise<number>;
  clearFailures(key: string): Promise<void>;
}
