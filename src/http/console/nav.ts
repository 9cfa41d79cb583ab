// The console's left navigation: one entry per page, grouped in sections as ECR's console groups
// them. A capability adds its page by adding one entry here and one route module (see plugin.ts).

export interface NavEntry {
  section: string;
  label: string;
  /** The page's path under /console/; the entry is current for this path and everything under it. */
  path: string;
}

export const NAV: NavEntry[] = [
  { section: 'Private registry', label: 'Repositories', path: 'repositories' },
  { section: 'Private registry', label: 'Registry policy', path: 'registry' },
  { section: 'Private registry', label: 'Lifecycle rules', path: 'lifecycle' },
  { section: 'Private registry', label: 'Replication', path: 'replication' },
  { section: 'Private registry', label: 'Pull-through cache', path: 'pull-through' },
  { section: 'Private registry', label: 'Scanning', path: 'scanning' },
  { section: 'Account', label: 'Usage', path: 'usage' },
  { section: 'Identity', label: 'Users and keys', path: 'users' },
  { section: 'Account', label: 'Account settings', path: 'account' },
];

export function navHtml(current: string, esc: (s: string) => string): string {
  const sections = [...new Set(NAV.map((n) => n.section))];
  return sections
    .map((section) => {
      const items = NAV.filter((n) => n.section === section)
        .map((n) => {
          const here = current === n.path || current.startsWith(`${n.path}/`);
          return `<li><a href="/console/${esc(n.path)}"${here ? ' aria-current="page"' : ''}>${esc(n.label)}</a></li>`;
        })
        .join('');
      return `<h2>${esc(section)}</h2><ul>${items}</ul>`;
    })
    .join('');
}
