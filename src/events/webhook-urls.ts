// Which webhook URLs a target may name: HTTPS anywhere; plain HTTP only to a loopback address,
// and only when the deployment allows it (events.allowHttpLoopback: tests, sidecars).

const LOOPBACK = /^(localhost|127(?:\.\d{1,3}){3}|\[::1\])$/i;

/** Undefined when the URL is acceptable; else why not. */
export function webhookUrlProblem(text: string, allowHttpLoopback: boolean): string | undefined {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    return `the target Arn ${JSON.stringify(text)} is not a webhook URL (https://…)`;
  }
  if (url.username || url.password) return 'a webhook URL may not carry credentials';
  if (url.protocol === 'https:') return undefined;
  if (url.protocol === 'http:') {
    if (allowHttpLoopback && LOOPBACK.test(url.hostname)) return undefined;
    return allowHttpLoopback
      ? 'plain-HTTP webhooks are allowed only on loopback addresses'
      : 'webhooks must use HTTPS (events.allowHttpLoopback allows http://127.0.0.1 for tests)';
  }
  return `unsupported webhook scheme ${url.protocol}`;
}
