// The one composition root: builds each adapter and service once and hands them to the faces and
// the listeners. What each area builds is in its own file beside this one.
import { hostname } from 'node:os';
import type { Config } from '../config/schema.js';
import { addAwsProtocolConstraint } from '../http/aws-protocol.js';
import { tlsSetup } from '../tls/setup.js';
import type { Berth } from './berth-api.js';
import { auditListener, wireAudit } from './audit.js';
import { registerFaces } from './faces.js';
import { addHealthRoutes, readiness } from './health.js';
import { startJobs } from './jobs.js';
import { wireGc } from './gc.js';
import { requestActivity } from '../runtime/activity.js';
import { startReplication } from './replication.js';
import { startEventDelivery } from './events.js';
import { lifecycle } from './berth-lifecycle.js';
import { berthLogger, openListener, splitListen } from './listeners.js';
import { openPublicListener } from './public-listener.js';
import { openEndpointListeners } from './endpoint-listeners.js';
import { wireServices } from './services.js';

export type { Berth } from './berth-api.js';

export async function createBerth(config: Config): Promise<Berth> {
  const nodeId = config.nodeId || `${hostname()}-${process.pid}`;
  // Before the database opens: a TLS file that is wrong stops the start with nothing to undo.
  const tls = tlsSetup(config, splitListen(config.listen).host);
  const log = berthLogger(config, { node: nodeId });
  const wired = await wireServices(config, log, tls);
  const { deployment, driver, auth, kms, services, pub } = wired;
  const { store, identities, tokens, accountId, generatedMasterKey } = deployment;
  const { open, keyUsage } = auth;

  const audit = wireAudit(config, store, auth.authorizer, log);
  const listener = openListener(config, log, tls, {
    operations: () => store.operations.gauges(Date.now()),
    audit: () => ({ written: audit.written, dropped: audit.dropped, pending: audit.pending }),
  });
  const app = listener.app;
  if (!tls) app.log.warn('TLS is not configured: serving plain HTTP (set tls.cert and tls.key, or --tls-self-signed)');
  addAwsProtocolConstraint(app);
  if (generatedMasterKey)
    app.log.warn(
      { file: generatedMasterKey },
      'generated a new master key: back it up — secrets and encrypted data cannot be read without it',
    );
  if (open) app.log.warn('auth.mode is open: anyone who can reach this registry may push, pull and delete');
  const ready = readiness(store, driver);
  addHealthRoutes(app, ready);
  auditListener(app, config, audit, accountId);
  const actions = await registerFaces(app, config, deployment, { ...wired, audit });
  app.addHook('onClose', async () => wired.pullThrough.source.close());

  const publicListener = await openPublicListener(
    config,
    nodeId,
    tls,
    deployment,
    pub,
    auth.authenticator,
    ready,
    audit,
  );
  const publicApp = publicListener?.app;
  const endpoints = await openEndpointListeners(config, nodeId, tls, deployment, { ...wired, audit }, ready);

  const gc = wireGc(config, store, driver, [], Date.now, requestActivity);
  const scheduler = await startJobs(config, store, nodeId, log, {
    keyService: kms.keyService,
    services,
    limiter: pub.limiter,
    gc,
    secrets: wired.secrets,
    metering: wired.metering,
    signer: wired.signer,
    audit,
  });
  const replication = startReplication(config, store, nodeId, log, wired);
  const eventDelivery = startEventDelivery(config, store, nodeId, log, wired.events.secrets);
  const background = {
    async stop() {
      await replication.stop();
      await eventDelivery.stop();
    },
  };
  const scans = wired.scanning.worker;
  scans.start();

  return {
    app,
    config,
    store,
    driver,
    services,
    pushListeners: wired.parts.pushListeners,
    metering: wired.metering,
    signer: wired.signer,
    audit,
    scheduler,
    gc,
    replication,
    eventDelivery,
    eventRules: wired.events.rules,
    eventOutbox: wired.events.outbox,
    scans,
    keys: kms.keyService,
    identities,
    userPolicies: deployment.userPolicies,
    tokens,
    accountId,
    nodeId,
    bootstrapKey: auth.bootstrapKey,
    generatedMasterKey,
    tls,
    ...actions,
    publicApp,
    publicServices: pub.services,
    aliases: pub.aliases,
    ...lifecycle({
      config,
      tls,
      listener,
      publicListener,
      endpoints,
      pub,
      scheduler,
      replication: background,
      scans,
      keyUsage,
      deployment,
      metering: wired.metering,
      audit,
    }),
  };
}
