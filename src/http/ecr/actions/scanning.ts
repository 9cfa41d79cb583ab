// The scanning actions of the ECR API: StartImageScan, DescribeImageScanFindings (paged; what
// `aws ecr wait image-scan-complete` polls), PutImageScanningConfiguration, Put/Get
// RegistryScanningConfiguration and BatchGetRepositoryScanningConfiguration, over the scan service.
import { z } from 'zod';
import type { ImageScan } from '../../../domain/records/scanning.js';
import { repositoryArn } from '../../../domain/registry.js';
import { severityCounts } from '../../../scanning/findings.js';
import type { ScanService } from '../../../scanning/scan-service.js';
import { type ApiActionTable, epochSeconds } from '../../aws-json/call.js';
import { context, decodeNextToken, encodeNextToken, input } from '../../aws-json/registry-api/call.js';
import { modelPattern } from '../../aws-json/validation.js';
import { ImageIdentifier, RegistryId, RepositoryName } from '../shapes.js';

/** Findings per page when a request gives no maxResults. */
const DEFAULT_FINDINGS_PAGE = 100;
const FILTER_PATTERN = '^[a-z0-9*](?:[._\\-/a-z0-9*]?[a-z0-9*]+)*$';

const ScanningRule = z.object({
  scanFrequency: z.enum(['SCAN_ON_PUSH', 'CONTINUOUS_SCAN', 'MANUAL']),
  repositoryFilters: z
    .array(
      z.object({
        filter: z.string().min(1).max(255).regex(new RegExp(FILTER_PATTERN), modelPattern(FILTER_PATTERN)),
        filterType: z.enum(['WILDCARD']),
      }),
    )
    .min(0)
    .max(100),
});

/** Input schemas by action, for the model conformance test. */
export const scanningInputs = {
  StartImageScan: z.object({
    registryId: RegistryId.optional(),
    repositoryName: RepositoryName,
    imageId: ImageIdentifier,
  }),
  DescribeImageScanFindings: z.object({
    registryId: RegistryId.optional(),
    repositoryName: RepositoryName,
    imageId: ImageIdentifier,
    nextToken: z.string().optional(),
    maxResults: z.number().int().min(1).max(1000).optional(),
  }),
  PutImageScanningConfiguration: z.object({
    registryId: RegistryId.optional(),
    repositoryName: RepositoryName,
    imageScanningConfiguration: z.object({ scanOnPush: z.boolean().optional() }),
  }),
  PutRegistryScanningConfiguration: z.object({
    scanType: z.enum(['BASIC', 'ENHANCED']).optional(),
    rules: z.array(ScanningRule).max(2).optional(),
  }),
  GetRegistryScanningConfiguration: z.object({}),
  BatchGetRepositoryScanningConfiguration: z.object({ repositoryNames: z.array(RepositoryName).min(1).max(25) }),
};

const FindingsCursor = z.object({ offset: z.number().int().min(0) });

function scanStatus(scan: ImageScan): { status: string; description: string } {
  const description =
    scan.description ?? (scan.status === 'IN_PROGRESS' ? 'The scan is in progress.' : 'The scan was completed.');
  return { status: scan.status, description };
}

/** DescribeImages' imageScanStatus and imageScanFindingsSummary of an image's scan. */
export function scanDetail(scan: ImageScan | undefined): object {
  if (!scan) return {};
  return {
    imageScanStatus: scanStatus(scan),
    ...(scan.status === 'COMPLETE' && {
      imageScanFindingsSummary: {
        ...(scan.completedAt !== null && { imageScanCompletedAt: epochSeconds(scan.completedAt) }),
        ...(scan.advisoriesAt !== null && { vulnerabilitySourceUpdatedAt: epochSeconds(scan.advisoriesAt) }),
        findingSeverityCounts: severityCounts(scan.findings),
      },
    }),
  };
}

export function scanningActions(scans: ScanService, region: string): ApiActionTable {
  return {
    async StartImageScan(call) {
      const request = input(scanningInputs.StartImageScan, call.body);
      const ctx = context(call, request.registryId);
      const { digest, scan } = await scans.start(ctx, request.repositoryName, request.imageId);
      return {
        registryId: ctx.registry.accountId,
        repositoryName: request.repositoryName,
        imageId: {
          imageDigest: digest,
          ...(request.imageId.imageTag !== undefined && { imageTag: request.imageId.imageTag }),
        },
        imageScanStatus: scanStatus(scan),
      };
    },

    async DescribeImageScanFindings(call) {
      const request = input(scanningInputs.DescribeImageScanFindings, call.body);
      const ctx = context(call, request.registryId);
      const { digest, scan } = await scans.findings(ctx, request.repositoryName, request.imageId);
      const listing = [ctx.registry.accountId, request.repositoryName, digest];
      const cursor = decodeNextToken(call, FindingsCursor, request.nextToken, listing);
      const offset = cursor?.offset ?? 0;
      const limit = request.maxResults ?? DEFAULT_FINDINGS_PAGE;
      const page = scan.findings.slice(offset, offset + limit);
      const more = offset + limit < scan.findings.length;
      return {
        registryId: ctx.registry.accountId,
        repositoryName: request.repositoryName,
        imageId: {
          imageDigest: digest,
          ...(request.imageId.imageTag !== undefined && { imageTag: request.imageId.imageTag }),
        },
        imageScanStatus: scanStatus(scan),
        ...(scan.status === 'COMPLETE' && {
          imageScanFindings: {
            ...(scan.completedAt !== null && { imageScanCompletedAt: epochSeconds(scan.completedAt) }),
            ...(scan.advisoriesAt !== null && { vulnerabilitySourceUpdatedAt: epochSeconds(scan.advisoriesAt) }),
            findingSeverityCounts: severityCounts(scan.findings),
            findings: page,
          },
        }),
        ...(more && { nextToken: encodeNextToken(call, listing, { offset: offset + limit }) }),
      };
    },

    async PutImageScanningConfiguration(call) {
      const request = input(scanningInputs.PutImageScanningConfiguration, call.body);
      const ctx = context(call, request.registryId);
      const repository = await scans.putRepositoryScanOnPush(
        ctx,
        request.repositoryName,
        request.imageScanningConfiguration.scanOnPush ?? false,
      );
      return {
        registryId: ctx.registry.accountId,
        repositoryName: repository.name,
        imageScanningConfiguration: { scanOnPush: repository.scanOnPush },
      };
    },

    async PutRegistryScanningConfiguration(call) {
      const request = input(scanningInputs.PutRegistryScanningConfiguration, call.body);
      const configuration = await scans.putRegistryConfiguration(context(call), {
        scanType: request.scanType ?? 'BASIC',
        rules: request.rules ?? [],
      });
      return { registryScanningConfiguration: configuration };
    },

    async GetRegistryScanningConfiguration(call) {
      input(scanningInputs.GetRegistryScanningConfiguration, call.body);
      const ctx = context(call);
      return { registryId: ctx.registry.accountId, scanningConfiguration: await scans.registryConfiguration(ctx) };
    },

    async BatchGetRepositoryScanningConfiguration(call) {
      const request = input(scanningInputs.BatchGetRepositoryScanningConfiguration, call.body);
      const ctx = context(call);
      const { found, failures } = await scans.repositoryConfigurations(ctx, request.repositoryNames);
      return {
        scanningConfigurations: found.map(({ repository, rule }) => ({
          repositoryArn: repositoryArn(ctx.registry, region, repository.name),
          repositoryName: repository.name,
          scanOnPush: repository.scanOnPush || rule?.scanFrequency === 'SCAN_ON_PUSH',
          scanFrequency: rule?.scanFrequency ?? (repository.scanOnPush ? 'SCAN_ON_PUSH' : 'MANUAL'),
          appliedScanFilters: rule?.repositoryFilters ?? [],
        })),
        failures,
      };
    },
  };
}
