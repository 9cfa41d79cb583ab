// Public repositories are public by their nature (ECR Public): anyone may read them, with or
// without credentials. This decorator says so once, before the account's own rules are asked,
// and names every other action on a public resource as ECR Public does (ecr-public:PutImage), so
// identity and repository policies written for ECR Public are the ones that decide.
import { Actions, publicActionOf, type Action } from '../domain/actions.js';
import type { AuthorizationRequest, Authorizer } from '../domain/authorizer.js';
import { PUBLIC_ARN_PREFIX } from '../domain/registry.js';

/** What pulling (and seeing the tags of) a public repository needs. */
const PUBLIC_READS: ReadonlySet<Action> = new Set([
  Actions.BatchGetImage,
  Actions.GetDownloadUrlForLayer,
  Actions.BatchCheckLayerAvailability,
  Actions.ListImages,
]);

export class PublicPullAuthorizer implements Authorizer {
  constructor(private readonly inner: Authorizer) {}

  async authorize(request: AuthorizationRequest): Promise<void> {
    if (!request.resource.startsWith(PUBLIC_ARN_PREFIX)) return this.inner.authorize(request);
    if (PUBLIC_READS.has(request.action)) return;
    return this.inner.authorize({ ...request, action: publicActionOf(request.action) });
  }

  forget(): void {
    this.inner.forget?.();
  }
}
