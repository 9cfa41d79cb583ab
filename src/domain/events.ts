// Events in the shapes Amazon ECR sends to EventBridge (the envelope: version, id, detail-type,
// source aws.ecr, account, time, region, resources, detail), built here so each service that acts
// (pushes, deletions, lifecycle, replication, the pull-through cache, the scanner) emits the same
// shapes. Repository creation and deletion have no ECR event of their own: they go out as EventBridge
// does for every API call, "AWS API Call via CloudTrail" with the call's CloudTrail record as detail.
// The outbox (EventOutbox) is filled in by the composition root with the events service.
import type { EventDeliveryInput } from './records/events.js';

export interface EcrEvent {
  version: '0';
  id: string;
  'detail-type': string;
  source: 'aws.ecr';
  account: string;
  time: string;
  region: string;
  resources: string[];
  detail: Record<string, unknown>;
}

/** Where an event happened: the registry's account and region, an event id and the time. */
export interface EventOrigin {
  id: string;
  account: string;
  region: string;
  at: number;
}

function envelope(
  origin: EventOrigin,
  detailType: string,
  resources: string[],
  detail: Record<string, unknown>,
): EcrEvent {
  return {
    version: '0',
    id: origin.id,
    'detail-type': detailType,
    source: 'aws.ecr',
    account: origin.account,
    // EventBridge's times are whole seconds.
    time: new Date(Math.floor(origin.at / 1000) * 1000).toISOString().replace('.000Z', 'Z'),
    region: origin.region,
    resources,
    detail,
  };
}

export function repositoryArn(origin: EventOrigin, repositoryName: string): string {
  return `arn:aws:ecr:${origin.region}:${origin.account}:repository/${repositoryName}`;
}

export interface ImageActionFacts {
  repositoryName: string;
  digest: string;
  tag?: string;
  mediaType?: string;
  artifactType?: string | null;
}

/** "ECR Image Action": PUSH, DELETE, or EXPIRED for a lifecycle policy's expiry. */
export function imageActionEvent(
  origin: EventOrigin,
  actionType: 'PUSH' | 'DELETE' | 'EXPIRED',
  image: ImageActionFacts,
): EcrEvent {
  return envelope(origin, 'ECR Image Action', [], {
    result: 'SUCCESS',
    'repository-name': image.repositoryName,
    'image-digest': image.digest,
    'action-type': actionType,
    ...(image.tag !== undefined && { 'image-tag': image.tag }),
    ...(image.mediaType !== undefined && { 'manifest-media-type': image.mediaType }),
    ...(image.artifactType && { 'artifact-media-type': image.artifactType }),
  });
}

export interface ReplicationFacts {
  repositoryName: string;
  digest: string;
  tag?: string;
  sourceAccount: string;
  sourceRegion: string;
  result: 'SUCCESS' | 'FAILURE';
}

/** "ECR Replication Action", in the destination's account and region. */
export function replicationEvent(origin: EventOrigin, facts: ReplicationFacts): EcrEvent {
  return envelope(origin, 'ECR Replication Action', [repositoryArn(origin, facts.repositoryName)], {
    result: facts.result,
    'repository-name': facts.repositoryName,
    'image-digest': facts.digest,
    'source-account': facts.sourceAccount,
    'action-type': 'REPLICATE',
    'source-region': facts.sourceRegion,
    ...(facts.tag !== undefined && { 'image-tag': facts.tag }),
  });
}

export interface PullThroughCacheFacts {
  repositoryName: string;
  repositoryPrefix: string;
  upstreamRegistryUrl: string;
  digest: string;
  tag?: string;
  syncStatus: 'SUCCESS' | 'FAILED';
  failureCode?: string;
  failureReason?: string;
}

/** "ECR Pull Through Cache Action": a cache rule's upstream image landed (or failed to). */
export function pullThroughCacheEvent(origin: EventOrigin, facts: PullThroughCacheFacts): EcrEvent {
  return envelope(origin, 'ECR Pull Through Cache Action', [repositoryArn(origin, facts.repositoryName)], {
    'rule-version': '1',
    'sync-status': facts.syncStatus,
    'ecr-repository-prefix': facts.repositoryPrefix,
    'repository-name': facts.repositoryName,
    'upstream-registry-url': facts.upstreamRegistryUrl,
    'image-digest': facts.digest,
    ...(facts.tag !== undefined && { 'image-tag': facts.tag }),
    ...(facts.failureCode !== undefined && { 'failure-code': facts.failureCode }),
    ...(facts.failureReason !== undefined && { 'failure-reason': facts.failureReason }),
  });
}

export interface ImageScanFacts {
  repositoryName: string;
  digest: string;
  tags: string[];
  scanStatus: 'COMPLETE' | 'FAILED';
  /** Findings per severity (CRITICAL, HIGH, MEDIUM, LOW, INFORMATIONAL, UNDEFINED). */
  findingSeverityCounts: Record<string, number>;
}

/** "ECR Image Scan": a basic scan finished. */
export function imageScanEvent(origin: EventOrigin, facts: ImageScanFacts): EcrEvent {
  return envelope(origin, 'ECR Image Scan', [repositoryArn(origin, facts.repositoryName)], {
    'scan-status': facts.scanStatus,
    'repository-name': facts.repositoryName,
    'finding-severity-counts': facts.findingSeverityCounts,
    'image-digest': facts.digest,
    'image-tags': facts.tags,
  });
}

export interface ApiCallFacts {
  eventName: 'CreateRepository' | 'DeleteRepository';
  repositoryName: string;
  /** The caller's ARN, account, and CloudTrail identity type (Root, IAMUser, AssumedRole). */
  principalArn: string;
  identityType: string;
  principalAccount: string;
  sourceIp?: string;
  userAgent?: string;
}

/** "AWS API Call via CloudTrail" for ecr.amazonaws.com: how EventBridge tells of repository creation and deletion. */
export function repositoryApiCallEvent(origin: EventOrigin, facts: ApiCallFacts): EcrEvent {
  const event = envelope(origin, 'AWS API Call via CloudTrail', [], {
    eventVersion: '1.08',
    userIdentity: { type: facts.identityType, arn: facts.principalArn, accountId: facts.principalAccount },
    eventTime: '',
    eventSource: 'ecr.amazonaws.com',
    eventName: facts.eventName,
    awsRegion: origin.region,
    sourceIPAddress: facts.sourceIp ?? '',
    userAgent: facts.userAgent ?? '',
    requestParameters: { repositoryName: facts.repositoryName },
    responseElements: null,
    eventID: origin.id,
    eventType: 'AwsApiCall',
    managementEvent: true,
    recipientAccountId: origin.account,
    eventCategory: 'Management',
  });
  event.detail.eventTime = event.time;
  event.resources = [];
  return event;
}

/**
 * The events outbox, as the registry's services see it (filled in by the composition root).
 * `deliveries` turns events into their outbox rows (one per matching target; none when no rule
 * matches), which the caller writes in the transaction of its change: there is no writing them
 * after a change has committed.
 */
export interface EventOutbox {
  readonly region: string;
  deliveries(events: EcrEvent[]): Promise<EventDeliveryInput[]>;
}
