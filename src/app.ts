import { randomUUID } from 'node:crypto';
import path from 'node:path';
import cookie from '@fastify/cookie';
import formbody from '@fastify/formbody';
import fastifyStatic from '@fastify/static';
import Fastify, { type FastifyInstance } from 'fastify';
import type { Config } from './config.ts';
import type { Database } from './db/database.ts';
import { registerAccounts } from './modules/accounts/routes.ts';
import { AccountsService } from './modules/accounts/service.ts';
import { builderRoutes } from './modules/builder/routes.ts';
import { FormBuilder } from './modules/builder/service.ts';
import { registerTracking } from './modules/cases/routes.ts';
import { casesStaffPages } from './modules/cases/work-routes.ts';
import { registerCatalogue } from './modules/catalogue/routes.ts';
import { catalogueStaffPages } from './modules/catalogue/staff-routes.ts';
import { crmStaffPages } from './modules/crm/routes.ts';
import { registerSatisfaction } from './modules/engagement/routes.ts';
import { registerEvents } from './modules/events/routes.ts';
import { EventsService } from './modules/events/service.ts';
import { eventsStaffPages } from './modules/events/staff-routes.ts';
import { registerForms } from './modules/forms/routes.ts';
import { registerGroups } from './modules/groups/routes.ts';
import { groupsStaffPages } from './modules/groups/staff-routes.ts';
import { registerIdentity, registerIdentityAssets, residentSignInExtras } from './modules/identity/routes.ts';
import { IdentityService } from './modules/identity/service.ts';
import { identityStaffPages, staffSignInExtras } from './modules/identity/staff-routes.ts';
import { registerLocalInfo } from './modules/local-info/routes.ts';
import { localInfoStaffPages } from './modules/local-info/staff-routes.ts';
import { Providers } from './modules/oidc/provider.ts';
import { registerOidc } from './modules/oidc/routes.ts';
import { SecretBox } from './modules/oidc/secrets.ts';
import { OidcService } from './modules/oidc/service.ts';
import { oidcStaffPages } from './modules/oidc/staff-routes.ts';
import { registerReports } from './modules/reports/routes.ts';
import { reportsStaffPages } from './modules/reports/staff-routes.ts';
import { settingsRoutes } from './modules/settings/routes.ts';
import { registerSite } from './modules/site/routes.ts';
import { registerStaff } from './modules/staff/routes.ts';
import { StaffService } from './modules/staff/service.ts';
import { registerSurveys } from './modules/surveys/routes.ts';
import { configureSurveys } from './modules/surveys/service.ts';
import { surveysStaffPages } from './modules/surveys/staff-routes.ts';
import { registerCsrf } from './platform/csrf/csrf.ts';
import { registerErrorHandler } from './platform/errors/handler.ts';
import { createLocalFileStore } from './platform/files/file-store.ts';
import { createHttpClient } from './platform/http-client/http-client.ts';
import { I18n, negotiateLanguage } from './platform/i18n/catalogue.ts';
import type { Language } from './platform/i18n/local-text.ts';
import { registerDevMailbox } from './platform/mail/dev-mailbox-routes.ts';
import { Mailer } from './platform/mail/mailer.ts';
import { registerHealth } from './platform/observability/health.ts';
import { Metrics } from './platform/observability/metrics.ts';
import { OneTimeCodes } from './platform/one-time-codes/one-time-codes.ts';
import { registerSecurityHeaders } from './platform/security/headers.ts';
import { registerRateLimit } from './platform/security/rate-limit.ts';
import { Signer } from './platform/security/signer.ts';
import { registerSessions } from './platform/sessions/sessions.ts';
import { TenantRegistry } from './platform/tenancy/registry.ts';
import type { Tenant } from './platform/tenancy/tenant.ts';
import { createViewEngine, govukFrontendDist } from './platform/views/engine.ts';
import type { NavigationItem } from './platform/views/page.ts';
import { PageCache } from './platform/views/page-cache.ts';
import { registerRender } from './platform/views/render.ts';
import { builtAssetsDir, ensureStylesheet } from './platform/views/stylesheet.ts';

declare module 'fastify' {
  interface FastifyRequest {
    tenant: Tenant;
    lang: Language;
  }
}

export interface AppDeps {
  config: Config;
  db: Database;
  /** The session secret, resolved by main (generated in demo mode). */
  sessionSecret: string;
  clock?: () => Date;
  logger?: boolean | Record<string, unknown>;
  metrics?: Metrics;
}

/** Wires the platform and the modules into one Fastify app; tests build it with their own parts. */
export async function buildApp(deps: AppDeps) {
  const { config, db } = deps;
  const now = deps.clock ?? (() => new Date());
  const app = Fastify({
    logger: deps.logger ?? false,
    trustProxy: config.trustProxy,
    genReqId: () => randomUUID(),
    // Finish requests in flight at shutdown, but do not wait on idle keep-alive sockets.
    forceCloseConnections: 'idle',
    bodyLimit: 1024 * 1024,
  });

  const tenants = new TenantRegistry(db, config.demo ? (config.defaultTenant ?? 'northshire') : undefined);
  await tenants.refresh();
  const i18n = new I18n();
  const metrics = deps.metrics ?? new Metrics(db);
  const mailer = new Mailer({ db, config, tenants, now });
  const pageCache = new PageCache(now);
  const signer = new Signer(deps.sessionSecret);
  const files = createLocalFileStore({ dataDir: config.dataDir, db });
  const oneTimeCodes = new OneTimeCodes({ db, mailer, secret: deps.sessionSecret, now });
  const services = {
    config,
    db,
    tenants,
    i18n,
    metrics,
    mailer,
    pageCache,
    signer,
    files,
    oneTimeCodes,
    now,
  };

  app.decorateRequest('tenant', undefined as unknown as Tenant);
  app.decorateRequest('lang', 'en');
  metrics.instrument(app);

  await app.register(cookie);
  await app.register(formbody);
  registerSecurityHeaders(app, { mapTileUrl: config.mapTileUrl });
  await registerRateLimit(app, { db, now });

  // Static files are the same for every council: registered before tenancy resolves a host.
  await app.register(fastifyStatic, {
    root: [builtAssetsDir, path.join(import.meta.dirname, 'platform/views/assets')],
    prefix: '/assets/',
    maxAge: '365d',
    immutable: true,
    index: false,
  });
  await app.register(fastifyStatic, {
    root: path.join(govukFrontendDist, 'govuk'),
    prefix: '/assets/govuk/',
    decorateReply: false,
    maxAge: '365d',
    index: false,
    allowedPath: (pathname) =>
      pathname === '/govuk-frontend.min.js' || pathname.startsWith('/assets/images/'),
  });

  await registerIdentityAssets(app);

  const platformPaths = ['/healthz', '/readyz', '/metrics', '/assets/'];
  app.addHook('onRequest', async (request, reply) => {
    if (platformPaths.some((p) => request.url === p || (p.endsWith('/') && request.url.startsWith(p))))
      return;
    const tenant = tenants.forHost(request.headers.host);
    if (!tenant) {
      reply.code(404).type('text/html; charset=utf-8');
      return reply.callNotFound();
    }
    request.tenant = tenant;
    const query = request.query as Record<string, string | undefined>;
    const asked = query.lang;
    if ((request.method === 'GET' || request.method === 'HEAD') && (asked === 'en' || asked === 'cy')) {
      // The language switch of the Contracts table: remember the choice, then show the same page.
      const url = new URL(request.url, 'http://x');
      url.searchParams.delete('lang');
      reply.setCookie('lang', asked, {
        path: '/',
        sameSite: 'lax',
        httpOnly: true,
        secure: request.protocol === 'https',
        maxAge: 31536000,
      });
      return reply.redirect(`${url.pathname}${url.search}`, 303);
    }
    request.lang = negotiateLanguage(request.cookies.lang, request.headers['accept-language']);
    reply.header('vary', 'Accept-Language, Cookie');
    reply.header('content-language', request.lang);
  });

  registerSessions(app, { db, secret: deps.sessionSecret, now });
  registerCsrf(app, deps.sessionSecret);

  const navigation: NavigationItem[] = [
    { href: '/', label: 'nav.services' },
    { href: '/bin-day', label: 'nav.bin-day', prefix: true },
    { href: '/track', label: 'nav.track', prefix: true },
    { href: '/account', label: 'nav.account', prefix: true },
  ];
  registerRender(app, {
    env: createViewEngine(),
    i18n,
    navigation,
    assets: { css: await ensureStylesheet(), js: '/assets/app.js' },
    brandVersion: (tenantId) => tenants.brandVersion(tenantId),
  });
  registerErrorHandler(app);

  registerHealth(app, { db, metrics });
  registerSite(app, services);
  registerCatalogue(app, services);
  registerLocalInfo(app, services);
  registerTracking(app, services);
  registerSatisfaction(app, services);
  const accounts = new AccountsService({ db, oneTimeCodes, now });
  const staff = new StaffService({ db, oneTimeCodes, signer, demo: config.demo, now });
  const identity = new IdentityService({
    db,
    now,
    accounts,
    staff,
    mailer,
    i18n,
    // OpenID discovery, tokens and userinfo obey the outbound rules of the Contracts table.
    http: createHttpClient({ demo: config.demo, allowPrivate: config.outboundAllowPrivate }),
    sessionSecret: deps.sessionSecret,
    demo: config.demo,
  });
  const signInExtras = residentSignInExtras(identity);
  await registerForms(app, { ...services, accounts });
  registerAccounts(app, { ...services, accounts, signInExtras });
  registerIdentity(app, { ...services, accounts, identity, signInExtras });
  // Doorstep as OpenID Provider for council apps, one issuer per council, at /oidc.
  const box = new SecretBox(deps.sessionSecret, { demo: config.demo });
  const oidc = new OidcService({ db, box, now });
  const providers = new Providers({
    db,
    config,
    box,
    sessionSecret: deps.sessionSecret,
    accounts,
    now,
    // The apps hear of logouts from the worker (createWorker), through the outbox.
    backchannelLogout: 'queue',
  });
  oidc.useProviders(providers);
  await registerOidc(app, { ...services, accounts, oidc, providers, sessionSecret: deps.sessionSecret });
  const events = new EventsService({ mailer, i18n, config, tenants });
  registerEvents(app, { ...services, accounts, events });
  registerGroups(app, { ...services, accounts });
  configureSurveys({ publicOriginTemplate: config.publicOriginTemplate, secret: deps.sessionSecret });
  registerSurveys(app, { ...services, accounts });
  // After forms: its multipart parser also reads report photos and Open311 posts.
  registerReports(app, services);
  const staffNames = (tenantId: string) => staff.names(tenantId);
  registerStaff(app, {
    ...services,
    staff,
    signInExtras: staffSignInExtras(identity),
    staffPages: [
      identityStaffPages({ ...services, identity, staff }),
      builderRoutes({ ...services, builder: new FormBuilder({ db, pageCache }), staffNames }),
      settingsRoutes(services),
      reportsStaffPages(services),
      catalogueStaffPages({ ...services, staffNames }),
      localInfoStaffPages(services),
      crmStaffPages(services),
      casesStaffPages(services),
      oidcStaffPages({ ...services, oidc }),
      eventsStaffPages({ ...services, events }),
      groupsStaffPages(services),
      surveysStaffPages(services),
    ],
  });
  if (config.demo) registerDevMailbox(app, services);

  return Object.assign(app, { services }) as FastifyInstance & { services: typeof services };
}

export type App = Awaited<ReturnType<typeof buildApp>>;
export type Services = App['services'];
