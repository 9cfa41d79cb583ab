// The private endpoints (config.endpoints): one listener each, serving what the main listener
// serves, declared an endpoint so that its requests carry aws:SourceVpce and aws:SourceVpc and are
// bounded by its endpoint policy (the authorizer reads the policies by endpoint id).
import type { Config } from '../config/schema.js';
import type { EndpointConfig } from '../config/schema-endpoints.js';
import { addAwsProtocolConstraint } from '../http/aws-protocol.js';
import { declareEndpoint } from '../http/facts.js';
import type { Listener } from '../http/listener.js';
import type { TlsSetup } from '../tls/setup.js';
import type { Deployment } from './deployment.js';
import { registerFaces } from './faces.js';
import { addHealthRoutes, type Readiness } from './health.js';
import { berthLogger, openListener, splitListen } from './listeners.js';
import type { AuditTrail } from '../audit/trail.js';
import { auditListener } from './audit.js';
import type { Wiring } from './services.js';

export interface EndpointListener {
  readonly endpoint: EndpointConfig;
  readonly listener: Listener;
  /** The base URL, once listening. */
  url: string;
}

export async function openEndpointListeners(
  config: Config,
  nodeId: string,
  tls: TlsSetup | undefined,
  deployment: Deployment,
  wired: Wiring & { audit: AuditTrail },
  ready: Readiness,
): Promise<EndpointListener[]> {
  const opened: EndpointListener[] = [];
  for (const endpoint of config.endpoints) {
    const listener = openListener(config, berthLogger(config, { node: nodeId, listener: endpoint.id }), tls);
    declareEndpoint(listener.app, { id: endpoint.id, vpcId: endpoint.vpcId });
    addAwsProtocolConstraint(listener.app);
    addHealthRoutes(listener.app, ready);
    auditListener(listener.app, config, wired.audit, deployment.accountId);
    await registerFaces(listener.app, config, deployment, wired);
    opened.push({ endpoint, listener, url: '' });
  }
  return opened;
}

/** Listens on each endpoint's address and notes the URL it got. */
export async function listenEndpoints(endpoints: readonly EndpointListener[]): Promise<void> {
  for (const opened of endpoints) {
    const { host, port } = splitListen(opened.endpoint.listen);
    opened.url = await opened.listener.app.listen({ host, port });
  }
}
