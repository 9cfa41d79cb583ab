// The console's stylesheet: the web layer's base (http/html.ts) with the console's frame (a left
// navigation beside the page), forms, tabs, notices and the highlighted JSON of highlight.js.
import { WEB_BASE_CSS } from '../html.js';

export const CONSOLE_CSS = `${WEB_BASE_CSS}
.shell { display: grid; grid-template-columns: 220px minmax(0, 1fr); min-height: calc(100vh - 56px); }
nav.side { background: #fff; border-right: 1px solid var(--line); padding: 16px 0; }
nav.side h2 { font-size: 12px; text-transform: uppercase; letter-spacing: .06em; color: var(--muted); margin: 16px 20px 6px; }
nav.side ul { list-style: none; margin: 0; padding: 0; }
nav.side a { display: block; padding: 6px 20px; color: var(--ink); }
nav.side a[aria-current=page] { background: #e8f1fb; border-left: 3px solid var(--accent); font-weight: 600; padding-left: 17px; }
.shell main { max-width: none; margin: 0; }
header.top .who { color: #cfd8e3; font-size: 14px; margin-left: auto; }
header.top form { flex: none; }
.toolbar { display: flex; flex-wrap: wrap; gap: 10px; align-items: center; margin: 12px 0 16px; }
.toolbar form { display: flex; gap: 8px; }
.tabs { display: flex; gap: 4px; border-bottom: 1px solid var(--line); margin: 12px 0 16px; }
.tabs a { padding: 8px 14px; color: var(--ink); border-bottom: 3px solid transparent; }
.tabs a[aria-current=page] { border-bottom-color: var(--accent); font-weight: 600; }
a.button, button { display: inline-block; }
a.button { padding: 8px 16px; border-radius: 6px; background: var(--accent); color: var(--accent-ink); }
a.button.ghost { background: #e8eef5; color: var(--ink); }
button.danger { background: #b42318; }
label { display: block; font-weight: 600; margin: 14px 0 4px; }
label.inline { display: inline; font-weight: 400; margin: 0 12px 0 4px; }
form.inline { display: inline-flex; gap: 6px; align-items: center; margin: 2px 0; flex-wrap: wrap; } form.inline input[type=password] { width: 180px; padding: 4px 8px; } button.small { padding: 3px 9px; font-size: 13px; }
fieldset { border: 1px solid var(--line); border-radius: 8px; margin: 14px 0; padding: 8px 14px 14px; }
legend { font-weight: 600; padding: 0 4px; }
input[type=text], input[type=password], input[type=date], textarea, select { font: inherit; padding: 8px 10px; border: 1px solid #b8c2cc; border-radius: 6px; width: min(100%, 460px); background: #fff; color: var(--ink); }
textarea { width: 100%; min-height: 280px; font-family: ui-monospace, SFMono-Regular, Menlo, Consolas, monospace; font-size: 13px; }
textarea.short { min-height: 90px; }
.sev { font-weight: 600; padding: 1px 6px; border-radius: 4px; font-size: 12px; } .sev-critical { background: #7a1a12; color: #fff; } .sev-high { background: #b42318; color: #fff; } .sev-medium { background: #fcd34d; color: #1f2937; } .sev-low, .sev-informational, .sev-undefined { background: #e5e7eb; color: #1f2937; }
.hint { color: var(--muted); font-size: 13px; margin: 4px 0 0; }
.hint.valid { color: #0f5132; } .hint.invalid { color: #7a1a12; }
.notice { padding: 10px 14px; border-radius: 8px; margin: 12px 0; overflow-wrap: anywhere; }
.notice.error { background: #fdecea; border: 1px solid #f5c2bd; color: #7a1a12; }
.notice.ok { background: #e8f6ee; border: 1px solid #b7e2c8; color: #0f5132; }
.signin { max-width: 420px; margin: 48px auto; }
.signin button { margin-top: 18px; }
pre.code { background: var(--code); color: #d7f2ff; padding: 12px 14px; border-radius: 8px; overflow-x: auto; font-size: 13px; }
pre.json { background: #f6f8fa; border: 1px solid var(--line); padding: 12px 14px; border-radius: 8px; overflow-x: auto; font-size: 13px; }
.hljs-attr { color: #0550ae; } .hljs-string { color: #0a3069; } .hljs-number, .hljs-literal { color: #8250df; }
.kv { display: grid; grid-template-columns: max-content 1fr; gap: 6px 16px; }
.kv dt { color: var(--muted); } .kv dd { margin: 0; overflow-wrap: anywhere; }
@media (max-width: 760px) { .shell { grid-template-columns: 1fr; } nav.side { border-right: 0; border-bottom: 1px solid var(--line); } }
`;
