// The gallery's static assets, shipped compiled with the package (no build step at run time):
// one stylesheet (the web layer's shared base, http/html.ts, and the gallery's own rules) and one
// small script (the copy buttons; pages work without it).
import { WEB_BASE_CSS } from '../html.js';

export const GALLERY_CSS = `
${WEB_BASE_CSS}
.filters { display: flex; gap: 8px; margin: 12px 0 20px; flex-wrap: wrap; align-items: center; }
.cards { display: grid; grid-template-columns: repeat(auto-fill, minmax(min(320px, 100%), 1fr)); gap: 16px; }
.card { background: #fff; border: 1px solid var(--line); border-radius: 10px; padding: 16px; display: flex; gap: 14px; }
.card > div { min-width: 0; }
.card p { overflow-wrap: anywhere; }
.card p.pushed { margin: 8px 0 0; font-size: 13px; }
.card h3 { margin: 0 0 4px; font-size: 16px; word-break: break-all; }
.card p { margin: 0 0 8px; color: var(--muted); }
.logo { width: 48px; height: 48px; border-radius: 8px; flex: none; object-fit: contain; background: #eef2f6; display: flex; align-items: center; justify-content: center; font-weight: 700; color: var(--muted); }
.logo.big { width: 72px; height: 72px; font-size: 26px; }
.repo-head { display: flex; gap: 18px; align-items: center; margin-bottom: 18px; }
.repo-head > div { min-width: 0; }
.repo-head h1 { overflow-wrap: anywhere; }
.layout { display: grid; grid-template-columns: minmax(0, 1fr) 340px; gap: 24px; align-items: start; }
@media (max-width: 860px) { .layout { grid-template-columns: minmax(0, 1fr); } }
.pull { display: flex; flex-direction: column; gap: 10px; align-items: stretch; }
.pull code { white-space: normal; word-break: break-all; background: var(--code); color: #d7f2ff; padding: 10px 12px; border-radius: 6px; font-size: 13px; line-height: 1.5; }
.pull button { align-self: flex-start; }
.markdown { overflow-wrap: anywhere; }
.sort { margin: 0 0 12px; }
.markdown pre { background: #f0f3f6; padding: 10px 12px; border-radius: 6px; overflow-x: auto; }
.markdown code { font-family: ui-monospace, SFMono-Regular, Menlo, Consolas, monospace; font-size: 13px; }
.markdown h1 { font-size: 22px; } .markdown h2 { font-size: 18px; }
@media (max-width: 600px) {
  header.top .bar { padding: 12px 16px; }
  main { padding: 16px; }
  h1 { font-size: 22px; }
  .panel { padding: 14px 16px; }
  .repo-head { gap: 12px; }
  .logo.big { width: 56px; height: 56px; font-size: 22px; }
  .digest { display: none; }
  .empty { padding: 24px 16px; }
}
`;

export const GALLERY_JS = `
document.addEventListener('click', function (event) {
  var button = event.target.closest && event.target.closest('[data-copy]');
  if (!button) return;
  var text = button.getAttribute('data-copy');
  function done() { var label = button.textContent; button.textContent = 'Copied'; setTimeout(function () { button.textContent = label; }, 1500); }
  if (navigator.clipboard && window.isSecureContext) { navigator.clipboard.writeText(text).then(done, fallback); } else { fallback(); }
  function fallback() {
    var area = document.createElement('textarea');
    area.value = text; area.setAttribute('readonly', ''); area.style.position = 'fixed'; area.style.opacity = '0';
    document.body.appendChild(area); area.select();
    try { document.execCommand('copy'); done(); } finally { document.body.removeChild(area); }
  }
});
`;
