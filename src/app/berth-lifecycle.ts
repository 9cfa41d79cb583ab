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
import { splitListen } from './listeners.js';
import type { PublicWiring } from './public.js';
import { listenPublic } from './public-listener.js';
import type { MeteringWiring } from './metering.js';

export interface Running {
  readonly config: Config;
  readonly tls: TlsSetup | undefined;
  readonly listener: Listener;
  readonly publicListener: Listener | undefined;
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
): Pick<Berth, 'listen' | 'publicUrl' | 'reloadTls' | 'closeAllConnections' | 'close'> {
  const { config, tls, listener, publicListener, pub, scheduler, replication, scans, keyUsage, deployment, metering } =
    running;
  const { audit } = running;
  const app = listener.app;
  const publicApp = publicListener?.app;
  return {
    async listen() {
      const { host, port } = splitListen(config.listen);
      const url = await app.listen({ host, port });
      if (publicApp) await listenPublic(config, publicApp, pub);
      return url;
    },
    publicUrl: () => `${tls ? 'https' : 'http'}://${pub.address}`,
    reloadTls: () => {
      publicListener?.reloadTls();
      return listener.reloadTls();
    },
    closeAllConnections: () => {
      listener.closeAllConnections();
      publicListener?.closeAllConnections();
    },
    async close() {
      await replication.stop();
      await scans.stop();
      await scheduler.stop();
      await app.close();
      if (publicApp) await publicApp.close();
      await keyUsage.close().catch((err) => app.log.error({ err }, 'recording access key uses failed'));
      // After the listeners: what their last responses served is counted, then written.
      await metering.counter?.stop().catch((err) => app.log.error({ err }, 'flushing transfer counts failed'));
      await audit.close().catch((err) => app.log.error({ err }, 'writing the last audit events failed'));
      await deployment.close();
    },
  };
}
