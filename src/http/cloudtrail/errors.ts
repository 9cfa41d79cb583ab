// CloudTrail's part of the AWS JSON error catalogue: LookupEvents' exceptions by the model's
// names (shared/specs/aws/cloudtrail.service-2.json), all client errors.
import { AwsJsonError } from '../aws-json/errors.js';

export type CloudTrailExceptionName =
  | 'InvalidLookupAttributesException'
  | 'InvalidTimeRangeException'
  | 'InvalidMaxResultsException'
  | 'InvalidNextTokenException'
  | 'InvalidEventCategoryException';

export class CloudTrailError extends AwsJsonError {
  constructor(type: CloudTrailExceptionName, message: string) {
    super(type, message, {}, 400);
  }
}

/** The face's own errors are raised as CloudTrailError (an AwsJsonError): nothing else to translate. */
export function cloudTrailApiError(_err: unknown): AwsJsonError | undefined {
  return undefined;
}
