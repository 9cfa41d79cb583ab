// Docker Distribution's notification envelope (application/vnd.docker.distribution.events.v1+json),
// the second format a target may choose: {"events":[{id, timestamp, action, target, request,
// actor, source}]}, made from the ECR event at delivery. Only image actions have a Docker form
// (push; delete for a deletion or a lifecycle expiry); the other events go to EventBridge-format
// targets only. ECR's events do not carry the manifest's size, so `size`/`length` are absent.
import { hostname } from 'node:os';
import type { EcrEvent } from '../domain/events.js';

export const DOCKER_EVENTS_MEDIA_TYPE = 'application/vnd.docker.distribution.events.v1+json';

/** Whether an event has a Docker Distribution form. */
export function hasDockerForm(event: Pick<EcrEvent, 'detail-type'>): boolean {
  return event['detail-type'] === 'ECR Image Action';
}

export function dockerEnvelope(event: EcrEvent): { events: object[] } {
  const detail = event.detail as Record<string, string | undefined>;
  const action = detail['action-type'] === 'PUSH' ? 'push' : 'delete';
  const repository = detail['repository-name'];
  const digest = detail['image-digest'];
  return {
    events: [
      {
        id: event.id,
        timestamp: event.time,
        action,
        target: {
          ...(detail['manifest-media-type'] && { mediaType: detail['manifest-media-type'] }),
          digest,
          repository,
          ...(detail['image-tag'] && { tag: detail['image-tag'] }),
        },
        request: { id: event.id, method: action === 'push' ? 'PUT' : 'DELETE' },
        actor: {},
        source: { addr: hostname(), instanceID: `${event.account}.${event.region}` },
      },
    ],
  };
}
