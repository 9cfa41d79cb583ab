// What the lifecycle tests through the HTTP surface share (http/ecr/lifecycle*.test.ts): one
// server per test file with an SDK client and a registry login, policy texts, pushes in order,
// listings and previews.
import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import {
  type ECRClient,
  GetLifecyclePolicyPreviewCommand,
  ListImagesCommand,
  StartLifecyclePolicyPreviewCommand,
} from '@aws-sdk/client-ecr';
import type { Repository } from '../domain/records/repositories.js';
import { ecrClient, RegistryHttp } from './ecr-http.js';
import { startBerth, type TestBerth } from './server.js';

export let server: TestBerth;
export let client: ECRClient;
export let registry: RegistryHttp;

/** Starts the file's server (credentials required), its client and its registry login. */
export async function startLifecycleServer(): Promise<void> {
  server = await startBerth({ settings: { auth: { mode: 'iam' } } });
  client = ecrClient(server.url);
  registry = await RegistryHttp.login(server.url, client);
}

export async function stopLifecycleServer(): Promise<void> {
  client?.destroy();
  await server?.close();
}

/** A policy text of these rules (numbered from 1), each with a description that takes it past 100 characters. */
export const policyOf = (...rules: object[]) =>
  JSON.stringify({
    rules: rules.map((rule, i) => ({
      rulePriority: i + 1,
      description: `rule ${i + 1} of a policy under test`,
      ...rule,
    })),
  });
export const expire = { type: 'expire' };
export const since = (countType: string, countNumber: number, extra: object = {}) => ({
  selection: { tagStatus: 'any', countType, countUnit: 'days', countNumber, ...extra },
  action: expire,
});

export const runner = () => server.berth.services.lifecycle.runner;
export async function repository(name: string): Promise<Repository> {
  return (await server.berth.store.repositories.get(server.berth.accountId, name))!;
}

/** Pushes tagged (or, with tag null, untagged) images one after another, so their push times are in that order. */
export async function pushAll(name: string, tags: (string | null)[]): Promise<string[]> {
  const digests: string[] = [];
  for (const tag of tags) {
    const image = tag === null ? await registry.image(name) : await registry.push(name, tag);
    if (tag === null) assert.equal((await registry.putManifest(name, image.digest, image.bytes)).status, 201);
    digests.push(image.digest);
    await sleep(5);
  }
  return digests;
}

export async function listed(name: string): Promise<string[]> {
  const out = await client.send(new ListImagesCommand({ repositoryName: name }));
  return [...new Set((out.imageIds ?? []).map((id) => id.imageDigest!))].sort();
}

export async function previewDigests(name: string, text?: string): Promise<string[]> {
  const started = await client.send(
    new StartLifecyclePolicyPreviewCommand({ repositoryName: name, ...(text && { lifecyclePolicyText: text }) }),
  );
  assert.equal(started.status, 'COMPLETE');
  const preview = await client.send(new GetLifecyclePolicyPreviewCommand({ repositoryName: name }));
  return (preview.previewResults ?? []).map((r) => r.imageDigest!).sort();
}
