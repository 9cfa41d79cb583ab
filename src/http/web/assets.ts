// The gallery's static assets, shipped compiled with the package (no build step at run time):
// one stylesheet and one small script (the copy buttons; pages work without it).

export const GALLERY_CSS = `
:root { --ink: #1b2430; --muted: #5b6776; --line: #dfe4ea; --bg: #f6f8fa; --accent: #0b6bcb; --accent-ink: #fff; --code: #0f1720; }
* { box-sizing: border-box; }
body { margin: 0; font: 15px/1.55 system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, sans-serif; color: var(--ink); background: var(--bg); }
a { color: var(--accent); text-decoration: none; }
a:hover { text-decoration: underline; }
header.top { background: #14202e; color: #fff; }
header.top .bar { max-width: 1100px; margin: 0 auto; padding: 14px 24px; display: flex; flex-wrap: wrap; align-items: center; gap: 10px 24px; }
header.top a.brand { color: #fff; font-weight: 700; font-size: 18px; letter-spacing: .2px; }
header.top a.brand span { color: #7fb8ff; font-weight: 500; }
header.top form { flex: 1 1 260px; min-width: 0; display: flex; gap: 8px; }
input[type=search], select { max-width: 100%; font: inherit; padding: 8px 12px; border: 1px solid var(--line); border-radius: 6px; background: #fff; color: var(--ink); }
input[type=search] { flex: 1; min-width: 0; }
button { flex: none; font: inherit; padding: 8px 16px; border: 0; border-radius: 6px; background: var(--accent); color: var(--accent-ink); cursor: pointer; }
button.ghost { background: #e8eef5; color: var(--ink); padding: 6px 12px; }
main { max-width: 1100px; margin: 0 auto; padding: 24px; }
h1 { font-size: 26px; margin: 0 0 4px; }
h2 { font-size: 18px; margin: 28px 0 10px; }
.muted { color: var(--muted); }
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
.chips { display: flex; gap: 6px; flex-wrap: wrap; }
.chip { font-size: 12px; padding: 2px 8px; border-radius: 999px; background: #eef3fb; color: #27415f; border: 1px solid #d6e2f3; }
.repo-head { display: flex; gap: 18px; align-items: center; margin-bottom: 18px; }
.repo-head > div { min-width: 0; }
.repo-head h1 { overflow-wrap: anywhere; }
.layout { display: grid; grid-template-columns: minmax(0, 1fr) 340px; gap: 24px; align-items: start; }
@media (max-width: 860px) { .layout { grid-template-columns: minmax(0, 1fr); } }
.panel { background: #fff; border: 1px solid var(--line); border-radius: 10px; padding: 18px 20px; }
.panel + .panel { margin-top: 16px; }
.pull { display: flex; flex-direction: column; gap: 10px; align-items: stretch; }
.pull code { white-space: normal; word-break: break-all; background: var(--code); color: #d7f2ff; padding: 10px 12px; border-radius: 6px; font-size: 13px; line-height: 1.5; }
.pull button { align-self: flex-start; }
table { width: 100%; border-collapse: collapse; font-size: 14px; }
th, td { text-align: left; padding: 8px 6px; border-bottom: 1px solid var(--line); vertical-align: top; }
th { color: var(--muted); font-weight: 600; }
td code { font-size: 12px; }
.markdown { overflow-wrap: anywhere; }
.table-scroll { overflow-x: auto; }
.sort { margin: 0 0 12px; }
.markdown pre { background: #f0f3f6; padding: 10px 12px; border-radius: 6px; overflow-x: auto; }
.markdown code { font-family: ui-monospace, SFMono-Regular, Menlo, Consolas, monospace; font-size: 13px; }
.markdown h1 { font-size: 22px; } .markdown h2 { font-size: 18px; }
.pager { display: flex; justify-content: space-between; margin-top: 20px; }
.empty { overflow-wrap: anywhere; padding: 40px; text-align: center; color: var(--muted); background: #fff; border: 1px dashed var(--line); border-radius: 10px; }
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
