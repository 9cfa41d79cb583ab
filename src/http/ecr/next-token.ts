// Opaque nextToken values of paginated ECR actions: where the next page starts, for the
// service; a token that does not decode is the model's InvalidParameterException.
import { ApiError } from './errors.js';

export function encodeNextToken(last: string): string {
  return Buffer.from(JSON.stringify({ v: 1, last })).toString('base64url');
}

export function decodeNextToken(token: string): string {
  try {
    const value = JSON.parse(Buffer.from(token, 'base64url').toString('utf8')) as { v?: unknown; last?: unknown };
    if (value.v === 1 && typeof value.last === 'string') return value.last;
  } catch { /* reported below */ }
  throw new ApiError('InvalidParameterException', "Invalid parameter at 'nextToken' failed to satisfy constraint: 'not a token this action returned'");
}
