// Catalog data's about and usage texts, Markdown rendered to HTML that is inert: raw HTML is
// never passed through (markdown-it with html off escapes it) and links or images to anything but
// http(s), mailto and relative URLs are dropped (javascript:, vbscript:, data:, file:).
import MarkdownIt from 'markdown-it';

const SAFE_URL = /^(https?:|mailto:|#|\/(?!\/)|\.{0,2}\/|[^:/?#]+(?:[/?#]|$))/i;

const md = new MarkdownIt({ html: false, linkify: true, typographer: false });
const defaultValidate = md.validateLink.bind(md);
md.validateLink = (url: string) => defaultValidate(url) && SAFE_URL.test(url.trim());

const renderLinkOpen = md.renderer.rules.link_open ?? ((tokens, idx, options, _env, self) => self.renderToken(tokens, idx, options));
md.renderer.rules.link_open = (tokens, idx, options, env, self) => {
  // Links written by publishers: no referrer trust, no window.opener.
  tokens[idx]!.attrSet('rel', 'nofollow ugc noopener noreferrer');
  return renderLinkOpen(tokens, idx, options, env, self);
};

export function renderMarkdown(text: string | null): string {
  return text ? md.render(text) : '';
}
