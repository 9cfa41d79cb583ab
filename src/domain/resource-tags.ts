// Tags on ECR resources (repositories): the bounds AWS puts on keys, values and their number.
// InvalidTagParameterException and TooManyTagsException are the model's names for breaking them.
import { ManagementError } from './management-errors.js';

export interface ResourceTag {
  key: string;
  value: string;
}

export const MAX_RESOURCE_TAGS = 50;
export const MAX_TAG_KEY_LENGTH = 128;
export const MAX_TAG_VALUE_LENGTH = 256;
/** The characters AWS allows in tag keys and values: letters, spaces, digits and _ . : / = + - @. */
const TAG_CHARACTERS = /^[\p{L}\p{Z}\p{N}_.:/=+\-@]*$/u;

export function assertTagKey(key: string): string {
  const length = [...key].length;
  if (length < 1 || length > MAX_TAG_KEY_LENGTH)
    throw new ManagementError('INVALID_TAG_PARAMETER', `tag keys have 1 to ${MAX_TAG_KEY_LENGTH} characters: '${key}'`);
  if (!TAG_CHARACTERS.test(key))
    throw new ManagementError(
      'INVALID_TAG_PARAMETER',
      `tag key '${key}' has characters other than letters, digits, spaces and _ . : / = + - @`,
    );
  if (key.toLowerCase().startsWith('aws:'))
    throw new ManagementError('INVALID_TAG_PARAMETER', `tag keys starting with 'aws:' are reserved: '${key}'`);
  return key;
}

export function assertTagValue(key: string, value: string): string {
  if ([...value].length > MAX_TAG_VALUE_LENGTH)
    throw new ManagementError(
      'INVALID_TAG_PARAMETER',
      `the value of tag '${key}' has more than ${MAX_TAG_VALUE_LENGTH} characters`,
    );
  if (!TAG_CHARACTERS.test(value))
    throw new ManagementError(
      'INVALID_TAG_PARAMETER',
      `the value of tag '${key}' has characters other than letters, digits, spaces and _ . : / = + - @`,
    );
  return value;
}

/** Validated tags of one request: each key once, at most MAX_RESOURCE_TAGS. */
export function validateTags(tags: ResourceTag[]): ResourceTag[] {
  const seen = new Set<string>();
  for (const tag of tags) {
    assertTagKey(tag.key);
    assertTagValue(tag.key, tag.value);
    if (seen.has(tag.key))
      throw new ManagementError('INVALID_TAG_PARAMETER', `tag key '${tag.key}' is given more than once`);
    seen.add(tag.key);
  }
  if (tags.length > MAX_RESOURCE_TAGS) throw tooManyTags();
  return tags;
}

export function tooManyTags(): ManagementError {
  return new ManagementError('TOO_MANY_TAGS', `a resource can have at most ${MAX_RESOURCE_TAGS} tags`);
}
