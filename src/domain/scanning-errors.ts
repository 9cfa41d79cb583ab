// Errors of image scanning that no other catalogue has: services throw them by the ECR model's
// exception name, the ECR boundary renders them as is.

export const SCANNING_EXCEPTIONS = ['ScanNotFoundException', 'UnsupportedImageTypeException'] as const;

export type ScanningExceptionName = (typeof SCANNING_EXCEPTIONS)[number];

export class ScanningError extends Error {
  constructor(
    readonly type: ScanningExceptionName,
    message: string,
  ) {
    super(message);
    this.name = 'ScanningError';
  }
}
