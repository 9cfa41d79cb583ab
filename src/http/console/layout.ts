// The console's frame: the top bar (who is signed in, sign-out), the left navigation and the
// page; every POST form carries the session's CSRF token (csrfField).
import { escapeHtml as e } from '../html.js';
import { navHtml } from './nav.js';

export interface Viewer {
  /** The user's name, or "root". */
  name: string;
  accountId: string;
  csrf: string;
}

export const csrfField = (viewer: Pick<Viewer, 'csrf'>) =>
  `<input type="hidden" name="csrf" value="${e(viewer.csrf)}">`;

export function notice(kind: 'error' | 'ok', text: string | undefined): string {
  return text ? `<div class="notice ${kind}" role="${kind === 'error' ? 'alert' : 'status'}">${e(text)}</div>` : '';
}

function head(title: string): string {
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>${e(title)} · Berth console</title><link rel="stylesheet" href="/console/static/console.css"><script src="/console/static/console.js" defer></script></head>`;
}

/** A page of the signed-in console; `current` is its navigation path (repositories, registry, …). */
export function consolePage(title: string, current: string, body: string, viewer: Viewer): string {
  return `${head(title)}
<body><header class="top"><div class="bar"><a class="brand" href="/console/">Berth <span>Console</span></a>
<span class="who">${e(viewer.name)} @ ${e(viewer.accountId)}</span>
<form method="post" action="/console/signout">${csrfField(viewer)}<button type="submit" class="ghost">Sign out</button></form></div></header>
<div class="shell"><nav class="side" aria-label="Console">${navHtml(current, e)}</nav>
<main>${body}</main></div></body></html>`;
}

/** A page outside a session (sign-in, errors). */
export function barePage(title: string, body: string): string {
  return `${head(title)}
<body><header class="top"><div class="bar"><a class="brand" href="/console/">Berth <span>Console</span></a></div></header>
<main>${body}</main></body></html>`;
}

/** A refused page: the API's words, and the way back. */
export function errorPage(viewer: Viewer, current: string, message: string): string {
  return consolePage(
    'Refused',
    current,
    `<h1>Refused</h1>${notice('error', message)}<p><a href="/console/${e(current)}">Back</a></p>`,
    viewer,
  );
}
