// Catalog data's about and usage texts, Markdown rendered to HTML that is inert: raw HTML is
// never passed through (markdown-it with html off escapes it) and links or images to anything but
// http(s), mailto and relative URLs are dropped (javascript:, vbscript:, data:, file:).
import { createRequire } from 'node:module';
import type MarkdownIt from 'markdown-it';

const SAFE_URL = /^(https?:|mailto:|#|\/(?!\/)|\.{0,2}\/|[^:/?#]+(?:[/?#]|$))/i;

let md: InstanceType<typeof MarkdownIt> | undefined;

/** The renderer, made on first use: a registry that never renders a gallery page never loads it. */
function renderer(): InstanceType<typeof MarkdownIt> {
  if (md) return md;
  const Markdown = createRequire(import.meta.url)('markdown-it') as typeof MarkdownIt;
  const made = new Markdown({ html: false, linkify: true, typographer: false });
  const defaultValidate = made.validateLink.bind(made);
  made.validateLink = (url: string) => defaultValidate(url) && SAFE_URL.test(url.trim());
  const renderLinkOpen =
    made.renderer.rules.link_open ?? ((tokens, idx, options, _env, self) => self.renderToken(tokens, idx, options));
  made.renderer.rules.link_open = (tokens, idx, options, env, self) => {
    // Links written by publishers: no referrer trust, no window.opener.
    tokens[idx]!.attrSet('rel', 'nofollow ugc noopener noreferrer');
    return renderLinkOpen(tokens, idx, options, env, self);
  };
  md = made;
  return made;
}

export function renderMarkdown(text: string | null): string {
  return text ? renderer().render(text) : '';
}
