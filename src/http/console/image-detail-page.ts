// An image's page: its record, the platforms of an index (its children), the config and history
// of an image, its layers, its scan (status and findings by severity), its replication to each
// destination, its referrers (signatures, SBOMs, attestations) and the manifest.
import type { ImageScan } from '../../domain/records/scanning.js';
import type { DescribedImage } from '../../registry/images.js';
import type { ImageReplicationStatus } from '../../registry/replication.js';
import { escapeHtml as e, formatDate, formatSize } from '../html.js';
import { type ImageConfig, platformText, SEVERITIES, type Platform, scanLabel } from './image-facts.js';
import { consolePage, type Viewer } from './layout.js';
import { highlightJson, imageType, repoPath } from './repository-pages.js';

export interface ImageDetail {
  image: DescribedImage;
  manifest: string;
  layers: { digest: string; size: number; mediaType: string }[];
  referrers: { digest: string; artifactType?: string | undefined; mediaType: string }[];
  /** An index's children. */
  children: { digest: string; platform?: Platform; mediaType?: string; artifactType?: string }[];
  config?: ImageConfig;
  /** Undefined: not scanned (or not allowed to see); a string: why not shown. */
  scan?: ImageScan | string;
  replication?: ImageReplicationStatus[] | string;
}

/** What a referrer is, by its artifact type. */
function referrerKind(type: string): string {
  if (/sigstore|signature|cosign|notary/i.test(type)) return 'Signature';
  if (/spdx|cyclonedx|sbom|syft/i.test(type)) return 'SBOM';
  if (/in-toto|attestation|provenance|slsa/i.test(type)) return 'Attestation';
  return 'Artifact';
}

function scanSection(scan: ImageDetail['scan']): string {
  if (scan === undefined) return '<p class="muted" id="scan-status">Not scanned.</p>';
  if (typeof scan === 'string') return `<p class="muted" id="scan-status">${e(scan)}</p>`;
  const order = (s: string) => SEVERITIES.indexOf(s as (typeof SEVERITIES)[number]);
  const findings = [...scan.findings].sort((a, b) => order(a.severity) - order(b.severity)).slice(0, 200);
  const attribute = (f: (typeof findings)[number], key: string) => f.attributes.find((a) => a.key === key)?.value ?? '';
  const rows = findings
    .map(
      (f) =>
        `<tr><td><span class="sev sev-${e(f.severity.toLowerCase())}">${e(f.severity)}</span></td><td>${/^https?:\/\//.test(f.uri) ? `<a href="${e(f.uri)}" rel="noreferrer">${e(f.name)}</a>` : e(f.name)}</td><td>${e(attribute(f, 'package_name'))}</td><td>${e(attribute(f, 'package_version'))}</td></tr>`,
    )
    .join('');
  return `<p id="scan-status">Scan ${e(scan.status.replace('_', ' ').toLowerCase())}${scan.completedAt ? ` at ${formatDate(scan.completedAt)}` : ''}: ${e(scanLabel(scan))}.</p>
${rows ? `<div class="table-scroll"><table id="findings"><thead><tr><th scope="col">Severity</th><th scope="col">Finding</th><th scope="col">Package</th><th scope="col">Version</th></tr></thead><tbody>${rows}</tbody></table></div>` : ''}`;
}

function replicationSection(replication: ImageDetail['replication']): string {
  if (replication === undefined || replication.length === 0)
    return '<p class="muted" id="replication-status">Not replicated (no replication rule covers this repository).</p>';
  if (typeof replication === 'string') return `<p class="muted" id="replication-status">${e(replication)}</p>`;
  return `<table id="replication-status"><thead><tr><th scope="col">Destination</th><th scope="col">Status</th><th scope="col">Failure</th></tr></thead><tbody>${replication
    .map(
      (r) =>
        `<tr><td><code>${e(r.region)}/${e(r.registryId)}</code></td><td>${e(r.status)}</td><td>${e(r.failureCode ?? '')}</td></tr>`,
    )
    .join('')}</tbody></table>`;
}

export function imageDetailPage(viewer: Viewer, name: string, detail: ImageDetail): string {
  const { image, config } = detail;
  const table = (head: string[], rows: string[]) =>
    `<div class="table-scroll"><table><thead><tr>${head.map((h) => `<th scope="col">${h}</th>`).join('')}</tr></thead><tbody>${rows.join('')}</tbody></table></div>`;
  const platforms = detail.children.length
    ? `<h2>Platforms</h2>${table(
        ['Platform', 'Digest', 'Type'],
        detail.children.map(
          (m) =>
            `<tr><td>${e(platformText(m.platform) || '—')}</td><td><a href="${repoPath(name, `image/${m.digest}`)}"><code>${e(m.digest)}</code></a></td><td>${e(m.artifactType ?? m.mediaType ?? '')}</td></tr>`,
        ),
      )}`
    : '';
  const layers = detail.layers.length
    ? table(
        ['Digest', 'Media type', 'Size'],
        detail.layers.map(
          (l) =>
            `<tr><td><code>${e(l.digest)}</code></td><td>${e(l.mediaType)}</td><td>${formatSize(l.size)}</td></tr>`,
        ),
      )
    : '<p class="muted">No layers (an index or an artifact without layers).</p>';
  const history = config?.history.length
    ? table(
        ['Created', 'Created by', 'Layer'],
        config.history.map(
          (h) =>
            `<tr><td>${e(h.created ?? '')}</td><td><code>${e(h.createdBy ?? h.comment ?? '')}</code></td><td>${h.emptyLayer ? 'empty' : 'yes'}</td></tr>`,
        ),
      )
    : '<p class="muted">No history.</p>';
  const configSection = config
    ? `<h2>Config and history</h2><p>Platform: <strong id="image-platform">${e(platformText(config.platform) || 'unknown')}</strong></p>${history}
<details><summary>Config JSON</summary><pre class="json" tabindex="0"><code>${highlightJson(config.text)}</code></pre></details>`
    : '';
  const referrers = detail.referrers.length
    ? `<ul id="referrers">${detail.referrers.map((r) => `<li><strong>${referrerKind(r.artifactType ?? r.mediaType)}</strong> <a href="${repoPath(name, `image/${r.digest}`)}"><code>${e(r.digest)}</code></a> ${e(r.artifactType ?? r.mediaType)}</li>`).join('')}</ul>`
    : '<p class="muted">No referrers (signatures, SBOMs, attestations).</p>';
  const body = `<h1>${e(name)}@${e(image.digest.slice(0, 19))}…</h1>
<dl class="kv panel"><dt>Digest</dt><dd><code>${e(image.digest)}</code></dd><dt>Tags</dt><dd>${image.tags.map(e).join(', ') || '—'}</dd>
<dt>Type</dt><dd>${imageType(image)} (${e(image.mediaType)})</dd><dt>Size</dt><dd>${formatSize(image.size)}</dd>
<dt>Pushed at</dt><dd>${formatDate(image.createdAt)}</dd><dt>Last pulled</dt><dd>${image.lastPulledAt === null ? '—' : formatDate(image.lastPulledAt)}</dd></dl>
${platforms}${configSection}<h2>Layers</h2>${layers}<h2>Scan</h2>${scanSection(detail.scan)}
<h2>Replication</h2>${replicationSection(detail.replication)}<h2>Referrers</h2>${referrers}
<h2>Manifest</h2><pre class="json" tabindex="0"><code>${highlightJson(detail.manifest)}</code></pre>
<p><a href="${repoPath(name)}">Back to ${e(name)}</a></p>`;
  return consolePage(`${name} image`, 'repositories', body, viewer);
}
