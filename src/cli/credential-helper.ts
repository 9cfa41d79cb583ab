#!/usr/bin/env node
// docker-credential-berth: Docker's credential helper protocol, for docker, podman, skopeo and
// buildah (`"credHelpers": {"registry.example:5000": "berth"}`). `get` fetches a fresh registry
// password with GetAuthorizationToken and the AWS credentials of the environment; nothing is
// stored, so `store` and `erase` accept and ignore what they are given.
import { fetchAuthorization, fetchAuthorizationForServer, LoginError, regionFrom } from '../client/authorization.js';

/** What the protocol answers when it has nothing for a server: clients then go on without credentials. */
const NOT_FOUND = 'credentials not found in native keychain';

async function stdin(): Promise<string> {
  const parts: Buffer[] = [];
  for await (const part of process.stdin) parts.push(part as Buffer);
  return Buffer.concat(parts).toString('utf8');
}

async function get(): Promise<void> {
  const serverUrl = (await stdin()).trim();
  if (!serverUrl) throw new LoginError('no server URL on stdin');
  const region = regionFrom(undefined);
  const configured = process.env.BERTH_ENDPOINT_URL;
  const { username, password } = configured
    ? await fetchAuthorization({ endpoint: configured, region })
    : await fetchAuthorizationForServer(serverUrl, { region });
  process.stdout.write(`${JSON.stringify({ ServerURL: serverUrl, Username: username, Secret: password })}\n`);
}

function list(): void {
  const configured = process.env.BERTH_ENDPOINT_URL;
  process.stdout.write(`${JSON.stringify(configured ? { [new URL(configured).host]: 'AWS' } : {})}\n`);
}

async function main(action: string | undefined): Promise<void> {
  switch (action) {
    case 'get':
      return get();
    case 'store':
    case 'erase':
      await stdin();
      return;
    case 'list':
      return list();
    case 'version':
      process.stdout.write('docker-credential-berth (Berth)\n');
      return;
    default:
      process.stderr.write(
        'usage: docker-credential-berth get|store|erase|list|version (the protocol reads its input on stdin)\n',
      );
      process.exit(1);
  }
}

main(process.argv[2]).catch((err: unknown) => {
  // The protocol reads a helper's error from stdout.
  const message =
    err instanceof LoginError
      ? err.noCredentials
        ? NOT_FOUND
        : err.message
      : `docker-credential-berth: ${(err as Error).message ?? err}`;
  process.stdout.write(`${message}\n`);
  process.exit(1);
});
