// CloudWatch on the AWS query protocol host (the AWS CLI v2 speaks query to it): Version
// 2010-08-01, signed for service monitoring, answered in the monitoring namespace's XML.
import type { AuditTrail } from '../../audit/trail.js';
import { type CloudWatchCall, cloudWatchActions } from './actions.js';

export const CLOUDWATCH_VERSION = '2010-08-01';
export const CLOUDWATCH_NAMESPACE = 'http://monitoring.amazonaws.com/doc/2010-08-01/';

/** The query host's service entry for CloudWatch (structurally the host's QueryService). */
export function cloudWatchFace(trail: AuditTrail): {
  signingName: string;
  namespace: string;
  actions: Record<string, (call: CloudWatchCall) => Promise<Record<string, unknown>>>;
} {
  return { signingName: 'monitoring', namespace: CLOUDWATCH_NAMESPACE, actions: cloudWatchActions(trail) };
}
