// CloudWatch's errors on the query protocol host: the codes its model and every query service
// share (InvalidParameterValue, MissingParameter, InvalidParameterCombination), rendered by the
// host's error boundary from `queryCode`.

export type CloudWatchErrorCode = 'InvalidParameterValue' | 'MissingParameter' | 'InvalidParameterCombination';

export class CloudWatchError extends Error {
  constructor(
    readonly queryCode: CloudWatchErrorCode,
    message: string,
  ) {
    super(message);
    this.name = queryCode;
  }
}
