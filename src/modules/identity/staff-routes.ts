import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Services } from '../../app.ts';
import { recordAudit } from '../../platform/audit/audit.ts';
import { notFound } from '../../platform/errors/errors.ts';
import { localise } from '../../platform/i18n/local-text.ts';
import { isRole, roles } from '../staff/roles.ts';
import { type StaffService, type StaffSignIn, startStaffSession } from '../staff/service.ts';
import type { StaffUser } from '../staff/store.ts';
import { parseCredential } from './passkeys.ts';
import { bodyOf, callbackUri, defaultPasskeyName, fieldOf, providerButtons } from './routes.ts';
import {
  type IdentityService,
  type PendingAuthorization,
  type ProviderForm,
  ProviderRefused,
  ProviderUnavailable,
} from './service.ts';
import type { AuthMethod, Provider } from './store.ts';

const view = (name: string) => `modules/identity/views/${name}.njk`;
const signIn = { staff: 'sign-in' as const };
const own = { staff: 'staff.home' as const };
const admin = { staff: 'council.settings' as const };
const uuid = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
const authMethods: AuthMethod[] = ['client_secret_basic', 'client_secret_post', 'private_key_jwt'];
const maxNameLength = 60;

/** Single sign-on buttons for the staff sign-in page. */
export function staffSignInExtras(identity: IdentityService) {
  return async (request: FastifyRequest) => ({
    ssoProviders: providerButtons(
      await identity.enabledProviders(request.tenant.id, 'staff'),
      request,
      '/staff/sign-in/sso',
    ),
  });
}

/** Reads "name=value" lines (extra parameters, role mappings); undefined when a line is not one. */
export function parsePairs(text: string): Record<string, string> | undefined {
  const pairs: Record<string, string> = {};
  for (const line of text.split(/\r?\n/)) {
    if (!line.trim()) continue;
    const at = line.indexOf('=');
    if (at < 1) return undefined;
    pairs[line.slice(0, at).trim()] = line.slice(at + 1).trim();
  }
  return pairs;
}

const pairsText = (pairs: Record<string, string>) =>
  Object.entries(pairs)
    .map(([k, v]) => `${k}=${v}`)
    .join('\n');

export function identityStaffPages(services: Services & { identity: IdentityService; staff: StaffService }) {
  const { i18n, identity, staff, now } = services;

  const summaryOf = (request: FastifyRequest, errors: Record<string, string>) => {
    const t = i18n.t(request.lang);
    return {
      errorSummary: Object.entries(errors).map(([id, key]) => ({ text: t(key), href: `#${id}` })),
      errors: Object.fromEntries(Object.entries(errors).map(([id, key]) => [id, { text: t(key) }])),
    };
  };

  return (scope: FastifyInstance) => {
    // Single sign-on through the council's own provider.

    const ssoProvider = async (request: FastifyRequest) => {
      const { slug } = request.params as { slug: string };
      const provider = await identity.providerBySlug(request.tenant.id, 'staff', slug);
      if (!provider) throw notFound();
      return provider;
    };

    const ssoProblem = (
      request: FastifyRequest,
      reply: FastifyReply,
      provider: Provider,
      problem: string,
      status: number,
    ) =>
      reply.code(status).render(view('staff-sso-problem'), {
        provider: localise(provider.label, request.lang),
        problem,
      });

    scope.get('/sign-in/sso/:slug', { config: signIn }, async (request, reply) => {
      const provider = await ssoProvider(request);
      try {
        const started = await identity.openid.start(provider, {
          redirectUri: callbackUri(request, `/staff/sign-in/sso/${provider.slug}/callback`),
          lang: request.lang,
        });
        (await request.session()).set('staffOidcPending', started.pending);
        return reply.redirect(started.url, 303);
      } catch (error) {
        if (error instanceof ProviderUnavailable) return ssoProblem(request, reply, provider, 'down', 503);
        throw error;
      }
    });

    scope.get('/sign-in/sso/:slug/callback', { config: signIn }, async (request, reply) => {
      const provider = await ssoProvider(request);
      const session = await request.session();
      const pending = session.get<PendingAuthorization>('staffOidcPending');
      session.set('staffOidcPending', undefined);
      if (!pending || pending.providerId !== provider.id) return reply.redirect('/staff/sign-in', 303);
      let who: Awaited<ReturnType<IdentityService['openid']['finish']>>;
      try {
        who = await identity.openid.finish(provider, pending, request.query as Record<string, string>);
      } catch (error) {
        if (error instanceof ProviderUnavailable) return ssoProblem(request, reply, provider, 'down', 503);
        if (error instanceof ProviderRefused) return ssoProblem(request, reply, provider, 'refused', 400);
        throw error;
      }
      const outcome = await identity.staffArrived(request, provider, who);
      if (outcome.status !== 'ok') {
        await staff.audit(request.tenant.id, undefined, 'staff.sign-in-failed', request.ip, {
          step: 'sso',
          provider: provider.slug,
          reason: outcome.status,
        });
        return ssoProblem(request, reply, provider, 'unknown', 403);
      }
      const user = outcome.user;
      if (provider.trustSecondFactor && !user.platformAdmin) {
        // The administrator chose to rely on the provider's own second factor (never for a
        // platform administrator, whose rights reach beyond this council).
        startStaffSession(session, user, 'sso', now());
        await staff.audit(user.tenantId, user, 'staff.signed-in', request.ip, {
          method: 'sso',
          provider: provider.slug,
        });
        return reply.redirect('/staff', 303);
      }
      // The provider proved who they are, as the emailed code does: our second factor follows.
      session.rotate();
      const hasApp = staff.hasAuthenticator(user);
      session.set('staffSignIn', {
        step: hasApp ? 'second-factor' : 'set-up',
        email: user.email,
        challengeId: `sso:${provider.slug}`,
        userId: user.id,
        ...(hasApp ? {} : { setUpSecret: staff.newTotpSecret() }),
        misses: 0,
      } satisfies StaffSignIn);
      return reply.redirect(hasApp ? '/staff/sign-in/authenticator' : '/staff/sign-in/set-up', 303);
    });

    // A passkey as the second factor, in place of the authenticator app.

    const secondFactorUser = async (request: FastifyRequest) => {
      const session = await request.session();
      const state = session.get<StaffSignIn>('staffSignIn');
      if (state?.step !== 'second-factor' || !state.userId) return undefined;
      const user = await staff.findUser(request.tenant.id, state.userId);
      return user?.active ? { session, user } : undefined;
    };

    const passkeyPage = async (
      request: FastifyRequest,
      reply: FastifyReply,
      user: StaffUser,
      error?: string,
    ) => {
      const keys = await identity.passkeys.list(request.tenant.id, { staffUserId: user.id });
      const options = keys.length
        ? await identity.passkeys.authenticationOptions(request, 'second-factor', { staffUserId: user.id })
        : undefined;
      return reply.code(error ? 400 : 200).render(view('staff-passkey-sign-in'), {
        options,
        ...summaryOf(request, error ? { 'passkey-button': error } : {}),
      });
    };

    scope.get('/sign-in/passkey', { config: signIn }, async (request, reply) => {
      const found = await secondFactorUser(request);
      if (!found) return reply.redirect('/staff/sign-in', 303);
      return passkeyPage(request, reply, found.user);
    });

    scope.post('/sign-in/passkey', { config: signIn }, async (request, reply) => {
      const found = await secondFactorUser(request);
      if (!found) return reply.redirect('/staff/sign-in', 303);
      const key = await identity.passkeys.authenticate(
        request,
        'second-factor',
        parseCredential(bodyOf(request).credential),
      );
      if (!key || key.staffUserId !== found.user.id) {
        await staff.audit(request.tenant.id, found.user, 'staff.sign-in-failed', request.ip, {
          step: 'passkey',
          reason: 'incorrect',
        });
        return passkeyPage(request, reply, found.user, 'identity.passkey-sign-in.error');
      }
      startStaffSession(found.session, found.user, 'passkey', now());
      await staff.audit(found.user.tenantId, found.user, 'staff.signed-in', request.ip, {
        method: 'passkey',
      });
      return reply.redirect('/staff', 303);
    });

    // A member of staff's own passkeys.

    const staffOwner = (request: FastifyRequest) => ({ staffUserId: request.staffUser!.id });
    const passkeyAudit = (request: FastifyRequest, action: string) =>
      recordAudit(services.db, {
        tenantId: request.tenant.id,
        actor: { type: 'staff', id: request.staffUser!.id },
        action,
        subject: { type: 'staff-user', id: request.staffUser!.id },
        ip: request.ip,
      });

    const passkeysPage = async (
      request: FastifyRequest,
      reply: FastifyReply,
      errors: Record<string, string> = {},
    ) => {
      const user = request.staffUser!;
      const session = await request.session();
      const notice = session.get<string>('identityFlash');
      if (notice) session.set('identityFlash', undefined);
      return reply.code(Object.keys(errors).length ? 400 : 200).render(view('staff-passkeys'), {
        user,
        passkeys: await identity.passkeys.list(request.tenant.id, staffOwner(request)),
        options: await identity.passkeys.registrationOptions(request, staffOwner(request), {
          name: user.email,
          displayName: user.name,
        }),
        notice,
        ...summaryOf(request, errors),
      });
    };

    scope.get('/account/passkeys', { config: own }, (request, reply) => passkeysPage(request, reply));

    scope.post('/account/passkeys', { config: own }, async (request, reply) => {
      const name = fieldOf(request, 'name', maxNameLength + 1) || defaultPasskeyName(request);
      if (name.length > maxNameLength)
        return passkeysPage(request, reply, { name: 'identity.passkeys.error-name-long' });
      const added = await identity.passkeys.register(
        request,
        staffOwner(request),
        parseCredential(bodyOf(request).credential),
        name,
      );
      if (!added) return passkeysPage(request, reply, { name: 'identity.passkeys.error-not-added' });
      await passkeyAudit(request, 'identity.passkey-added');
      (await request.session()).set('identityFlash', 'identity.passkeys.added');
      return reply.redirect('/staff/account/passkeys', 303);
    });

    scope.post('/account/passkeys/:id/remove', { config: own }, async (request, reply) => {
      const { id } = request.params as { id: string };
      if (!uuid.test(id) || !(await identity.passkeys.remove(request.tenant.id, staffOwner(request), id)))
        throw notFound();
      await passkeyAudit(request, 'identity.passkey-removed');
      (await request.session()).set('identityFlash', 'identity.passkeys.removed');
      return reply.redirect('/staff/account/passkeys', 303);
    });

    // Administrators: the council's OpenID providers.

    scope.get('/identity', { config: admin }, async (request, reply) => {
      const providers = await identity.providers(request.tenant.id);
      return reply.render(view('admin-providers'), {
        user: request.staffUser,
        providers: providers.map((p) => ({
          ...p,
          labelText: localise(p.label, request.lang).text,
        })),
      });
    });

    const formPage = (
      request: FastifyRequest,
      reply: FastifyReply,
      values: Record<string, unknown>,
      existing: Provider | undefined,
      errors: Record<string, string> = {},
    ) => {
      const t = i18n.t(request.lang);
      const audience = (values.audience as string) || 'residents';
      const slug = (values.slug as string) || '<name>';
      return reply.code(Object.keys(errors).length ? 400 : 200).render(view('admin-provider'), {
        user: request.staffUser,
        existing,
        values,
        action: existing ? `/staff/identity/${existing.id}` : '/staff/identity',
        redirectUri: callbackUri(
          request,
          audience === 'staff' ? `/staff/sign-in/sso/${slug}/callback` : `/sign-in/oidc/${slug}/callback`,
        ),
        publicJwk: existing?.publicJwk ? JSON.stringify(existing.publicJwk) : undefined,
        audienceItems: ['residents', 'staff'].map((a) => ({
          value: a,
          text: t(`identity.admin.audience-${a}`),
          checked: audience === a,
        })),
        methodItems: authMethods.map((m) => ({
          value: m,
          text: t(`identity.admin.method-${m}`),
          checked: (values.authMethod || 'client_secret_basic') === m,
        })),
        roles: roles.map((r) => ({ value: r, text: t(`staff.role.${r}`) })),
        ...summaryOf(request, errors),
      });
    };

    const valuesOf = (p: Provider) => ({
      slug: p.slug,
      audience: p.audience,
      issuer: p.issuer,
      clientId: p.clientId,
      authMethod: p.authMethod,
      scopes: p.scopes,
      labelEn: p.label.en,
      labelCy: p.label.cy ?? '',
      extraParams: pairsText(p.extraParams),
      enabled: p.enabled,
      roleClaim: p.roleClaim ?? '',
      roleMap: pairsText(p.roleMap),
      trustSecondFactor: p.trustSecondFactor,
      hasSecret: Boolean(p.clientSecretEnc),
    });

    scope.get('/identity/new', { config: admin }, (request, reply) =>
      formPage(request, reply, { scopes: 'openid email', enabled: true }, undefined),
    );

    const providerById = async (request: FastifyRequest) => {
      const { id } = request.params as { id: string };
      const p = uuid.test(id) ? await identity.provider(request.tenant.id, id) : undefined;
      if (!p) throw notFound();
      return p;
    };

    scope.get('/identity/:id', { config: admin }, async (request, reply) => {
      const p = await providerById(request);
      return formPage(request, reply, valuesOf(p), p);
    });

    const save = async (request: FastifyRequest, reply: FastifyReply, existing: Provider | undefined) => {
      const values = {
        slug: fieldOf(request, 'slug', 41).toLowerCase(),
        audience: fieldOf(request, 'audience', 20),
        issuer: fieldOf(request, 'issuer', 501),
        clientId: fieldOf(request, 'clientId', 501),
        authMethod: fieldOf(request, 'authMethod', 40),
        scopes: fieldOf(request, 'scopes', 501) || 'openid email',
        labelEn: fieldOf(request, 'labelEn', 81),
        labelCy: fieldOf(request, 'labelCy', 81),
        extraParams: fieldOf(request, 'extraParams', 2000),
        enabled: fieldOf(request, 'enabled') === 'yes',
        roleClaim: fieldOf(request, 'roleClaim', 101),
        roleMap: fieldOf(request, 'roleMap', 4000),
        trustSecondFactor: fieldOf(request, 'trustSecondFactor') === 'yes',
        hasSecret: Boolean(existing?.clientSecretEnc),
      };
      const clientSecret = fieldOf(request, 'clientSecret', 1001);
      const errors: Record<string, string> = {};
      if (!/^[a-z0-9][a-z0-9-]{0,39}$/.test(values.slug)) errors.slug = 'identity.admin.error-slug';
      if (values.audience !== 'residents' && values.audience !== 'staff')
        errors.audience = 'identity.admin.error-audience';
      if (!identity.openid.issuerAllowed(values.issuer) || values.issuer.length > 500)
        errors.issuer = 'identity.admin.error-issuer';
      if (!values.clientId || values.clientId.length > 500)
        errors.clientId = 'identity.admin.error-client-id';
      if (!authMethods.includes(values.authMethod as AuthMethod))
        errors.authMethod = 'identity.admin.error-method';
      else if (values.authMethod !== 'private_key_jwt' && !clientSecret && !existing?.clientSecretEnc)
        errors.clientSecret = 'identity.admin.error-secret';
      if (!values.scopes.split(/\s+/).includes('openid') || values.scopes.length > 500)
        errors.scopes = 'identity.admin.error-scopes';
      if (!values.labelEn || values.labelEn.length > 80) errors.labelEn = 'identity.admin.error-label';
      if (values.labelCy.length > 80) errors.labelCy = 'identity.admin.error-label';
      const extraParams = parsePairs(values.extraParams);
      if (!extraParams) errors.extraParams = 'identity.admin.error-pairs';
      const roleMap = parsePairs(values.roleMap);
      if (!roleMap || Object.values(roleMap).some((r) => !isRole(r)))
        errors.roleMap = 'identity.admin.error-role-map';
      else if (Object.keys(roleMap).length && !values.roleClaim)
        errors.roleClaim = 'identity.admin.error-role-claim';
      if (Object.keys(errors).length) return formPage(request, reply, values, existing, errors);
      const form: ProviderForm = {
        slug: values.slug,
        audience: values.audience as ProviderForm['audience'],
        // Exactly as the provider states it (GOV.UK One Login's ends in a slash).
        issuer: values.issuer,
        clientId: values.clientId,
        authMethod: values.authMethod as AuthMethod,
        clientSecret,
        scopes: values.scopes,
        label: { en: values.labelEn, cy: values.labelCy },
        extraParams: extraParams!,
        enabled: values.enabled,
        roleClaim: values.roleClaim,
        roleMap: roleMap!,
        trustSecondFactor: values.trustSecondFactor,
      };
      const id = await identity.saveProvider(request, request.staffUser!, existing?.id, form);
      if (!id) return formPage(request, reply, values, existing, { slug: 'identity.admin.error-slug-taken' });
      return reply.redirect(`/staff/identity/${id}`, 303);
    };

    scope.post('/identity', { config: admin }, (request, reply) => save(request, reply, undefined));
    scope.post('/identity/:id', { config: admin }, async (request, reply) =>
      save(request, reply, await providerById(request)),
    );

    scope.post('/identity/:id/delete', { config: admin }, async (request, reply) => {
      const p = await providerById(request);
      await identity.deleteProvider(request, request.staffUser!, p.id);
      return reply.redirect('/staff/identity', 303);
    });
  };
}
