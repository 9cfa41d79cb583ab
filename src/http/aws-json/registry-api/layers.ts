// The layer actions of the ECR faces: BatchCheckLayerAvailability, InitiateLayerUpload,
// UploadLayerPart, CompleteLayerUpload and GetDownloadUrlForLayer, over the blob and upload
// services the registry protocol uses, and signed layer URLs. ECR answers them on its registries,
// ECR Public (less GetDownloadUrlForLayer) on public ones: each face gives its LayerScope.
import { z } from 'zod';
import { tryParseDigest } from '../../../domain/digest.js';
import { isRegistryError } from '../../../domain/errors.js';
import type { RequestContext } from '../../../domain/request-context.js';
import type { RegistryServices } from '../../../registry/services.js';
import { MIN_LAYER_PART } from '../../../registry/layer-parts.js';
import type { ApiActionTable, ApiCall } from '../call.js';
import { base64Blob } from '../shapes.js';
import { validationMessage, violation } from '../validation.js';
import { input } from './call.js';
import { RegistryApiError } from './errors.js';
import { LayerDigest, PartSize, UploadId } from './shapes.js';

/** What InitiateLayerUpload tells clients to send per part: the model's largest LayerPartBlob. */
export const PART_SIZE = 20_971_520;

/** Which registry a layer action addresses: ECR's by account id; ECR Public's by id or alias, in its own namespace. */
export interface LayerScope {
  registryId: z.ZodType<string>;
  repositoryName: z.ZodType<string>;
  context(call: ApiCall, registryId: string | undefined): Promise<RequestContext> | RequestContext;
  /** The registry id responses name. */
  registryIdOf(ctx: RequestContext): string;
}

function requests(scope: LayerScope) {
  const registryId = scope.registryId.optional();
  const repositoryName = scope.repositoryName;
  return {
    BatchCheckLayerAvailability: z.object({
      registryId,
      repositoryName,
      layerDigests: z.array(z.string().max(1000)).min(1).max(100),
    }),
    InitiateLayerUpload: z.object({ registryId, repositoryName }),
    UploadLayerPart: z.object({
      registryId,
      repositoryName,
      uploadId: UploadId,
      partFirstByte: PartSize,
      partLastByte: PartSize,
      // Base64 of at most PART_SIZE bytes.
      layerPartBlob: base64Blob(PART_SIZE),
    }),
    CompleteLayerUpload: z.object({
      registryId,
      repositoryName,
      uploadId: UploadId,
      layerDigests: z.array(LayerDigest).min(1).max(100),
    }),
    GetDownloadUrlForLayer: z.object({ registryId, repositoryName, layerDigest: LayerDigest }),
  };
}

function digestParameter(field: string, value: string): string {
  if (!tryParseDigest(value))
    throw new RegistryApiError(
      'InvalidParameterException',
      validationMessage([violation(field, value, 'Member must be sha256:<64 lowercase hex digits> or sha512:<128>')]),
    );
  return value;
}

async function* once(bytes: Buffer): AsyncIterable<Uint8Array> {
  yield bytes;
}

export function layerActions(services: RegistryServices, scope: LayerScope): ApiActionTable {
  const schemas = requests(scope);
  return {
    async BatchCheckLayerAvailability(call) {
      const request = input(schemas.BatchCheckLayerAvailability, call.body);
      const failures: object[] = [];
      const digests: string[] = [];
      for (const layerDigest of new Set(request.layerDigests)) {
        if (layerDigest === '')
          failures.push({ layerDigest, failureCode: 'MissingLayerDigest', failureReason: 'The layer digest is empty' });
        else if (!tryParseDigest(layerDigest))
          failures.push({ layerDigest, failureCode: 'InvalidLayerDigest', failureReason: 'Invalid layer digest' });
        else digests.push(layerDigest);
      }
      const sizes = await services.blobs.sizes(
        await scope.context(call, request.registryId),
        request.repositoryName,
        digests,
      );
      const layers = digests.map((layerDigest) => {
        const layerSize = sizes.get(layerDigest);
        return layerSize === undefined
          ? { layerDigest, layerAvailability: 'UNAVAILABLE' }
          : { layerDigest, layerAvailability: 'AVAILABLE', layerSize };
      });
      return { layers, failures };
    },

    async InitiateLayerUpload(call) {
      const request = input(schemas.InitiateLayerUpload, call.body);
      const result = await services.uploads.start(
        await scope.context(call, request.registryId),
        request.repositoryName,
        {},
      );
      if (result.kind !== 'started') throw new Error(`an upload without a digest ${result.kind}`);
      return { uploadId: result.upload.id, partSize: PART_SIZE };
    },

    async UploadLayerPart(call) {
      const request = input(schemas.UploadLayerPart, call.body);
      const ctx = await scope.context(call, request.registryId);
      const where = {
        registryId: scope.registryIdOf(ctx),
        repositoryName: request.repositoryName,
        uploadId: request.uploadId,
      };
      const bytes = Buffer.from(request.layerPartBlob, 'base64');
      if (bytes.length === 0 || request.partLastByte - request.partFirstByte + 1 !== bytes.length) {
        throw new RegistryApiError(
          'InvalidLayerPartException',
          `The part holds ${bytes.length} bytes but partFirstByte ${request.partFirstByte} and partLastByte ${request.partLastByte} say ${request.partLastByte - request.partFirstByte + 1}`,
          where,
        );
      }
      try {
        const status = await services.layerParts.appendLayerPart(ctx, request.repositoryName, request.uploadId, {
          body: once(bytes),
          range: { start: request.partFirstByte, end: request.partLastByte },
        });
        return { ...where, lastByteReceived: status.size - 1 };
      } catch (err) {
        if (isRegistryError(err) && err.code === 'RANGE_INVALID') {
          const received = (err.detail as { offset: number }).offset;
          throw new RegistryApiError(
            'InvalidLayerPartException',
            `The part must start at byte ${received}: the upload has ${received} bytes`,
            { ...where, lastValidByteReceived: received - 1 },
          );
        }
        throw err;
      }
    },

    async CompleteLayerUpload(call) {
      const request = input(schemas.CompleteLayerUpload, call.body);
      const ctx = await scope.context(call, request.registryId);
      if (request.layerDigests.length !== 1)
        throw new RegistryApiError(
          'InvalidParameterException',
          validationMessage([
            violation(
              'layerDigests',
              request.layerDigests,
              'Member must have length less than or equal to 1 (one layer digest per upload)',
            ),
          ]),
        );
      const digest = digestParameter('layerDigests.1.member', request.layerDigests[0]!);
      const result = await services.layerParts
        .completeLayer(ctx, request.repositoryName, request.uploadId, digest)
        .catch((err: unknown) => {
          throw isRegistryError(err) && err.code === 'DIGEST_INVALID'
            ? new RegistryApiError('InvalidLayerException', err.message)
            : err;
        });
      if (result.kind === 'empty')
        throw new RegistryApiError('EmptyUploadException', `The upload ${request.uploadId} contains no layer parts`);
      if (result.kind === 'part-too-small') {
        throw new RegistryApiError(
          'LayerPartTooSmallException',
          `Layer parts must be at least ${MIN_LAYER_PART} bytes (5 MiB) but the last: the upload ${request.uploadId} has a part of ${result.size} bytes`,
        );
      }
      if (result.kind === 'exists')
        throw new RegistryApiError(
          'LayerAlreadyExistsException',
          `Layer ${result.digest} already exists in the repository with name '${request.repositoryName}' in registry with id '${ctx.registry.accountId}'`,
        );
      return {
        registryId: scope.registryIdOf(ctx),
        repositoryName: request.repositoryName,
        uploadId: request.uploadId,
        layerDigest: result.digest,
      };
    },

    async GetDownloadUrlForLayer(call) {
      const request = input(schemas.GetDownloadUrlForLayer, call.body);
      const digest = digestParameter('layerDigest', request.layerDigest);
      const ctx = await scope.context(call, request.registryId);
      // A layer of a cached repository not here yet comes from the upstream first.
      await services.pullThrough?.importLayer(ctx, request.repositoryName, digest);
      const result = await services.layerUrls.issue(ctx, request.repositoryName, digest);
      if (result.kind === 'unreferenced')
        throw new RegistryApiError(
          'LayerInaccessibleException',
          `The layer ${result.digest} is not referenced by any image in the repository`,
        );
      if (result.kind === 'archived')
        throw new RegistryApiError(
          'LayerInaccessibleException',
          `The layer ${result.digest} is used only by archived images in the repository: restore one with UpdateImageStorageClass (targetStorageClass STANDARD) to pull it`,
        );
      if (result.kind === 'presigned') return { downloadUrl: result.url, layerDigest: result.digest };
      return { downloadUrl: `${call.protocol}://${call.host}/layers/${result.token}`, layerDigest: result.digest };
    },
  };
}
