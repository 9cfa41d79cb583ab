// ECR's evaluation of lifecycle rules: one pure function makes the plan that a preview shows and a
// run carries out, so that both act on the same images.
import { DAY_MS, type LifecycleRule, type RuleStorageClass, tagPatternMatcher } from './lifecycle-rules.js';

/** An image as lifecycle sees it. */
export interface LifecycleImage {
  digest: string;
  tags: readonly string[];
  pushedAt: number;
  lastPulledAt: number | null;
  imageStatus?: 'ACTIVE' | 'ARCHIVED' | 'ACTIVATING';
  lastArchivedAt?: number | null;
  /** The manifests of the repository that list this one as a child (indexes over it). */
  parents: string[];
}

export type LifecycleActionType = 'EXPIRE' | 'TRANSITION';

/** What the plan does to one image, and by which rule. */
export interface PlannedAction {
  digest: string;
  tags: readonly string[];
  pushedAt: number;
  action: LifecycleActionType;
  rulePriority: number;
  /** The image's storage class now (ECR's preview result storageClass). */
  storageClass: 'STANDARD' | 'ARCHIVE';
}

/** An image a plan would have acted on but that something keeps, and why. */
export interface KeptImage {
  digest: string;
  tags: readonly string[];
  rulePriority: number;
  reason: string;
}

function storageClassOf(image: LifecycleImage): RuleStorageClass | undefined {
  if (image.imageStatus === 'ARCHIVED') return 'archive';
  if (image.imageStatus === 'ACTIVATING') return undefined;
  return 'standard';
}

function matchesTags(rule: LifecycleRule, image: LifecycleImage): boolean {
  const { tagStatus, tagPrefixList, tagPatternList } = rule.selection;
  if (tagStatus === 'any') return true;
  if (tagStatus === 'untagged') return image.tags.length === 0;
  if (image.tags.length === 0) return false;
  // Every prefix (pattern) of the list must be matched by one of the image's tags, as ECR selects.
  if (tagPrefixList) return tagPrefixList.every((prefix) => image.tags.some((tag) => tag.startsWith(prefix)));
  return (tagPatternList ?? []).every((pattern) => image.tags.some(tagPatternMatcher(pattern)));
}

/** When the rule's count starts for the image: its push, its last pull (else push), its archiving (else push). */
function since(rule: LifecycleRule, image: LifecycleImage): number {
  switch (rule.selection.countType) {
    case 'sinceImagePulled':
      return image.lastPulledAt ?? image.pushedAt;
    case 'sinceImageTransitioned':
      return image.lastArchivedAt ?? image.pushedAt;
    default:
      return image.pushedAt;
  }
}

const newestFirst = (a: LifecycleImage, b: LifecycleImage) =>
  b.pushedAt - a.pushedAt || (a.digest < b.digest ? -1 : a.digest > b.digest ? 1 : 0);

/**
 * The rules' plan over a repository's images at `now`. Rules run lowest priority number first; an
 * image a rule's selection matches (storage class and tags) belongs to that rule, acted on or
 * not, and later rules never see it. imageCountMoreThan acts on all but the newest N (by push
 * time) of the rule's images; the since* counts act on images older than N days.
 */
export function planLifecycle(rules: readonly LifecycleRule[], images: readonly LifecycleImage[], now: number) {
  const claimed = new Set<string>();
  const actions: PlannedAction[] = [];
  for (const rule of [...rules].sort((a, b) => a.rulePriority - b.rulePriority)) {
    const selected = images.filter(
      (image) =>
        !claimed.has(image.digest) && storageClassOf(image) === rule.selection.storageClass && matchesTags(rule, image),
    );
    for (const image of selected) claimed.add(image.digest);
    const { countType, countNumber } = rule.selection;
    const acted =
      countType === 'imageCountMoreThan'
        ? [...selected].sort(newestFirst).slice(countNumber)
        : selected.filter((image) => now - since(rule, image) > countNumber * DAY_MS);
    for (const image of acted.sort(newestFirst)) {
      actions.push({
        digest: image.digest,
        tags: image.tags,
        pushedAt: image.pushedAt,
        action: rule.action.type === 'expire' ? 'EXPIRE' : 'TRANSITION',
        rulePriority: rule.rulePriority,
        storageClass: image.imageStatus === 'ARCHIVED' ? 'ARCHIVE' : 'STANDARD',
      });
    }
  }
  return actions;
}

/**
 * The plan less what is kept: images a guard keeps (with its reason), and expiries of images
 * that an index staying in the repository still lists (ECR never breaks a manifest list).
 */
export function settlePlan(
  planned: readonly PlannedAction[],
  images: readonly LifecycleImage[],
  guarded: ReadonlyMap<string, string>,
): { actions: PlannedAction[]; kept: KeptImage[] } {
  const byDigest = new Map(images.map((image) => [image.digest, image]));
  const kept: KeptImage[] = [];
  let actions = planned.filter((action) => {
    const reason = guarded.get(action.digest);
    if (reason !== undefined) kept.push({ ...pick(action), reason });
    return reason === undefined;
  });
  // Until nothing changes: keeping a child's index keeps the child, and that may keep its own children.
  for (;;) {
    const expiring = new Set(actions.filter((a) => a.action === 'EXPIRE').map((a) => a.digest));
    const held = actions.filter(
      (a) =>
        a.action === 'EXPIRE' &&
        (byDigest.get(a.digest)?.parents ?? []).some((parent) => !expiring.has(parent) && byDigest.has(parent)),
    );
    if (held.length === 0) return { actions, kept };
    for (const action of held) kept.push({ ...pick(action), reason: 'listed by an index that stays' });
    const heldDigests = new Set(held.map((a) => a.digest));
    actions = actions.filter((a) => !heldDigests.has(a.digest));
  }
}

function pick(action: PlannedAction): Omit<KeptImage, 'reason'> {
  return { digest: action.digest, tags: action.tags, rulePriority: action.rulePriority };
}
