// What --endpoint-url (and BERTH_ENDPOINT_URL, AWS_ENDPOINT_URL…) may be: a URL, or for `berth
// login` also HOST:PORT as --listen takes it. Anything else is told what is expected, rather than
// failing deep in the AWS SDK ("UnknownError").
import { CommandError } from './errors.js';

const SCHEME = /^[a-z][a-z0-9+.-]*:\/\//i;
const HOST_PORT = /^(?:\[[0-9a-fA-F:.]+\]|[A-Za-z0-9.-]+):\d{1,5}$/;

export function hasScheme(value: string): boolean {
  return SCHEME.test(value.trim());
}

/** An http:// or https:// URL, else a CommandError saying what is expected. */
export function checkedUrl(value: string): string {
  let url: URL;
  try {
    url = new URL(value.trim());
  } catch {
    throw new CommandError(`--endpoint-url ${value}: not a URL; give http://HOST:PORT or https://HOST:PORT`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:')
    throw new CommandError(`--endpoint-url ${value}: the scheme must be http:// or https://`);
  return value.trim();
}

/** HOST:PORT as given (for login, which asks it over https, or plain HTTP on loopback). */
export function hostPort(value: string): string {
  const trimmed = value.trim();
  if (!HOST_PORT.test(trimmed))
    throw new CommandError(
      `--endpoint-url ${value}: give HOST:PORT (e.g. localhost:5000) or a URL (http://HOST:PORT, https://HOST:PORT)`,
    );
  return trimmed;
}

/** The endpoint of an API call: a URL; HOST:PORT needs its scheme said (there is no login-style fallback here). */
export function apiEndpoint(value: string): string {
  if (hasScheme(value)) return checkedUrl(value);
  if (HOST_PORT.test(value.trim()))
    throw new CommandError(
      `--endpoint-url ${value}: name the scheme, http://${value.trim()} or https://${value.trim()}`,
    );
  throw new CommandError(`--endpoint-url ${value}: not a URL; give http://HOST:PORT or https://HOST:PORT`);
}
