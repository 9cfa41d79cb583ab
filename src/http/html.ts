// The web layer's shared pieces (the gallery on the public listener, the console on the main one):
// HTML escaping, the formats of sizes and dates, and the base stylesheet both build on.

export function escapeHtml(value: string): string {
  return value.replace(
    /[&<>"']/g,
    (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!,
  );
}

export function formatSize(bytes: number | undefined): string {
  if (bytes === undefined) return '—';
  const units = ['B', 'KB', 'MB', 'GB', 'TB'];
  let value = bytes;
  let unit = 0;
  while (value >= 1000 && unit < units.length - 1) {
    value /= 1000;
    unit++;
  }
  return `${unit === 0 ? value : value.toFixed(value < 10 ? 2 : 1)} ${units[unit]}`;
}

export function formatDate(ms: number): string {
  return `${new Date(ms).toISOString().replace('T', ' ').slice(0, 16)} UTC`;
}

/** Colours, type, the top bar, buttons, panels, tables, chips and pagers. */
export const WEB_BASE_CSS = `
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
.chips { display: flex; gap: 6px; flex-wrap: wrap; }
.chip { font-size: 12px; padding: 2px 8px; border-radius: 999px; background: #eef3fb; color: #27415f; border: 1px solid #d6e2f3; }
.panel { background: #fff; border: 1px solid var(--line); border-radius: 10px; padding: 18px 20px; }
.panel + .panel { margin-top: 16px; }
table { width: 100%; border-collapse: collapse; font-size: 14px; }
th, td { text-align: left; padding: 8px 6px; border-bottom: 1px solid var(--line); vertical-align: top; }
th { color: var(--muted); font-weight: 600; }
td code { font-size: 12px; }
.table-scroll { overflow-x: auto; }
.pager { display: flex; justify-content: space-between; margin-top: 20px; }
.empty { overflow-wrap: anywhere; padding: 40px; text-align: center; color: var(--muted); background: #fff; border: 1px dashed var(--line); border-radius: 10px; }
`;
