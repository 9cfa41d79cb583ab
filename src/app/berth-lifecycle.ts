// A running Berth's lifecycle: listening on its addresses, reloading TLS, cutting connections,
// and closing in order (jobs, listeners, the key usage recorder, the deployment).
import type { AuditTrail } from '../audit/trail.js';
import type { Config } from '../config/schema.js';
import type { Listener } from '../http/listener.js';
import type { KeyUsageRecorder } from '../iam/key-usage.js';
import type { JobScheduler } from '../jobs/scheduler.js';
import type { TlsSetup } from '../tls/setup.js';
import type { Berth } from './berth-api.js';
import type { Deployment } from './deployment.js';
import { type EndpointListener, listenEndpoints } from './endpoint-listeners.js';
import { splitListen } from './listeners.js';
import type { PublicWiring } from './public.js';
import { listenPublic } from './public-listener.js';
import type { MeteringWiring } from './metering.js';

export interface Running {
  readonly config: Config;
  readonly tls: TlsSetup | undefined;
  readonly listener: Listener;
  readonly publicListener: Listener | undefined;
  /** The private endpoints' listeners. */
  readonly endpoints: readonly EndpointListener[];
  readonly pub: PublicWiring;
  readonly scheduler: JobScheduler;
  readonly replication: { stop(): Promise<void> };
  readonly scans: { stop(): Promise<void> };
  readonly keyUsage: KeyUsageRecorder;
  readonly deployment: Deployment;
  readonly metering: MeteringWiring;
  readonly audit: AuditTrail;
}

export function lifecycle(
  running: Running,
): Pick<Berth, 'listen' | 'publicUrl' | 'endpointUrls' | 'reloadTls' | 'closeAllConnections' | 'close'> {
  const { config, tls, listener, publicListener, endpoints, pub, scheduler, replication, scans, keyUsage } = running;
  const { deployment, metering, audit } = running;
  const app = listener.app;
  const publicApp = publicListener?.app;
  return {
    async listen() {
      const { host, port } = splitListen(config.listen);
      const url = await app.listen({ host, port });
      if (publicApp) await listenPublic(config, publicApp, pub);
      await listenEndpoints(endpoints);
      return url;
    },
    publicUrl: () => `${tls ? 'https' : 'http'}://${pub.address}`,
    endpointUrls: () => Object.fromEntries(endpoints.map((e) => [e.endpoint.id, e.url])),
    reloadTls: () => {
      publicListener?.reloadTls();
      for (const e of endpoints) e.listener.reloadTls();
      return listener.reloadTls();
    },
    closeAllConnections: () => {
      listener.closeAllConnections();
      publicListener?.closeAllConnections();
      for (const e of endpoints) e.listener.closeAllConnections();
    },
    async close() {
      await replication.stop();
      await scans.stop();
      await scheduler.stop();
      await app.close();
      if (publicApp) await publicApp.close();
      for (const e of endpoints) await e.listener.app.close();
      await keyUsage.close().catch((err) => app.log.error({ err }, 'recording access key uses failed'));
      // After the listeners: what their last responses served is counted, then written.
      await metering.counter?.stop().catch((err) => app.log.error({ err }, 'flushing transfer counts failed'));
      await audit.close().catch((err) => app.log.error({ err }, 'writing the last audit events failed'));
      await deployment.close();
    },
  };
}
