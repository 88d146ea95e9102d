/**
 * Council apps at /staff/apps, for administrators ('council.settings'): register an app
 * (confidential, or public with PKCE), its redirect and logout addresses and allowed scopes;
 * its secret is shown once, at creation and on rotation; disable or delete it; rotate the
 * council's signing keys. Every change is audited and listed on the page.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Services } from '../../app.ts';
import { notFound } from '../../platform/errors/errors.ts';
import { localise } from '../../platform/i18n/local-text.ts';
import { type FieldErrors, renderForm } from '../../platform/views/error-summary.ts';
import { localText } from '../builder/edit.ts';
import { bodyOf } from '../builder/routes.ts';
import type { AppInput, OidcService } from './service.ts';
import { type OidcClient, type ScopeName, scopeNames } from './store.ts';

const view = (name: string) => `modules/oidc/views/${name}.njk`;
const config = { staff: 'council.settings' as const };
type Body = Record<string, string | string[]>;
type Errors = FieldErrors;
const clientIdPattern = /^[a-z0-9][a-z0-9-]{2,49}$/;

const one = (body: Body, name: string, max = 2000) => {
  const v = body[name];
  return (Array.isArray(v) ? (v[0] ?? '') : (v ?? '')).trim().slice(0, max);
};
const many = (body: Body, name: string) => {
  const v = body[name];
  return Array.isArray(v) ? v : v === undefined ? [] : [v];
};
const lines = (text: string) =>
  text
    .split(/\r?\n/)
    .map((l) => l.trim())
    .filter(Boolean);

/**
 * An address an app may be sent to: absolute, without a fragment, https, or http on this
 * machine's loopback only (apps under development and native apps, RFC 8252).
 */
export function acceptableUri(value: string): boolean {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    return false;
  }
  if (url.hash || value.includes('#') || url.username || url.password || value.includes('*')) return false;
  if (url.protocol === 'https:') return true;
  return url.protocol === 'http:' && ['127.0.0.1', 'localhost', '[::1]'].includes(url.hostname);
}

export function oidcStaffPages(services: Services & { oidc: OidcService }) {
  const { i18n, oidc } = services;

  return (scope: FastifyInstance) => {
    const t = (request: FastifyRequest) => i18n.t(request.lang);
    const render = (
      request: FastifyRequest,
      reply: FastifyReply,
      name: string,
      context: Record<string, unknown>,
      errors: FieldErrors = {},
    ) => renderForm(reply, view(name), { user: request.staffUser, ...context }, errors);

    const valuesOf = (c: OidcClient): Body => ({
      clientId: c.clientId,
      nameEn: c.name.en,
      nameCy: c.name.cy ?? '',
      kind: c.kind,
      redirectUris: c.redirectUris.join('\n'),
      postLogoutRedirectUris: c.postLogoutRedirectUris.join('\n'),
      backchannelLogoutUri: c.backchannelLogoutUri ?? '',
      scopes: c.allowedScopes,
    });

    /** The form's input, or the errors, each in the reader's language. */
    const parse = (request: FastifyRequest, body: Body): { input?: AppInput; errors: Errors } => {
      const tr = t(request);
      const errors: Errors = {};
      const name = localText(one(body, 'nameEn', 120), one(body, 'nameCy', 120));
      if (!name) errors.nameEn = tr('oidc.staff.error-name');
      const kind = one(body, 'kind');
      if (kind !== 'confidential' && kind !== 'public') errors.kind = tr('oidc.staff.error-kind');
      const redirectUris = lines(one(body, 'redirectUris', 5000));
      if (!redirectUris.length) errors.redirectUris = tr('oidc.staff.error-redirect-empty');
      else if (redirectUris.length > 10 || !redirectUris.every(acceptableUri))
        errors.redirectUris = tr('oidc.staff.error-uri');
      const postLogoutRedirectUris = lines(one(body, 'postLogoutRedirectUris', 5000));
      if (postLogoutRedirectUris.length > 10 || !postLogoutRedirectUris.every(acceptableUri))
        errors.postLogoutRedirectUris = tr('oidc.staff.error-uri');
      const backchannel = one(body, 'backchannelLogoutUri', 500);
      if (backchannel && !acceptableUri(backchannel))
        errors.backchannelLogoutUri = tr('oidc.staff.error-uri');
      const asked = many(body, 'scopes');
      const scopes = scopeNames.filter((s) => asked.includes(s));
      if (!scopes.includes('openid') || asked.some((s) => !(scopeNames as readonly string[]).includes(s)))
        errors.scopes = tr('oidc.staff.error-openid');
      if (Object.keys(errors).length) return { errors };
      return {
        errors,
        input: {
          name: name!,
          kind: kind as AppInput['kind'],
          redirectUris,
          postLogoutRedirectUris,
          backchannelLogoutUri: backchannel || null,
          allowedScopes: scopes as ScopeName[],
        },
      };
    };

    /** A secret is shown once: kept in the staff session only until the next page shows it. */
    const showOnce = async (request: FastifyRequest, clientId: string, secret: string) =>
      (await request.session()).set('oidcSecret', { clientId, secret });

    scope.get('/apps', { config }, async (request, reply) => {
      const tr = t(request);
      const [clients, history] = await Promise.all([
        oidc.listClients(request.tenant.id),
        oidc.history(request.tenant.id),
      ]);
      return render(request, reply, 'staff-apps', {
        apps: clients.map((c) => ({
          clientId: c.clientId,
          name: localise(c.name, request.lang).text,
          kind: tr(`oidc.staff.kind-${c.kind}`),
          enabled: c.enabled,
        })),
        history: history.map((e) => ({
          at: e.at.toISOString().slice(0, 16).replace('T', ' '),
          what: tr(`oidc.staff.action.${e.action}`),
          app: e.subject.id ?? '',
        })),
        rotated: (request.query as { rotated?: string }).rotated === '1',
      });
    });

    const formPage = (
      request: FastifyRequest,
      reply: FastifyReply,
      values: Body,
      errors: Errors = {},
      clientId?: string,
    ) => render(request, reply, 'staff-app-form', { values, clientId, scopeNames }, errors);

    scope.get('/apps/new', { config }, async (request, reply) =>
      formPage(request, reply, { kind: 'confidential', scopes: ['openid'] }),
    );

    scope.post('/apps/new', { config }, async (request, reply) => {
      const body = bodyOf(request);
      const { input, errors } = parse(request, body);
      const clientId = one(body, 'clientId', 60);
      if (!clientIdPattern.test(clientId)) errors.clientId = t(request)('oidc.staff.error-client-id');
      if (!input || Object.keys(errors).length) return formPage(request, reply, body, errors);
      const made = await oidc.register(request, clientId, input);
      if (made === 'taken')
        return formPage(request, reply, body, { clientId: t(request)('oidc.staff.error-client-id-taken') });
      if (made) await showOnce(request, clientId, made);
      return reply.redirect(`/staff/apps/${clientId}`, 303);
    });

    const ownClient = async (request: FastifyRequest) => {
      const { clientId } = request.params as { clientId: string };
      const client = clientIdPattern.test(clientId)
        ? await oidc.findClient(request.tenant.id, clientId)
        : undefined;
      if (!client) throw notFound();
      return client;
    };

    scope.get('/apps/:clientId', { config }, async (request, reply) => {
      const client = await ownClient(request);
      const session = await request.session();
      const pending = session.get<{ clientId: string; secret: string }>('oidcSecret');
      if (pending) session.set('oidcSecret', undefined);
      return render(request, reply, 'staff-app', {
        app: { ...client, nameText: localise(client.name, request.lang).text },
        secret: pending?.clientId === client.clientId ? pending.secret : undefined,
        values: valuesOf(client),
        scopeNames,
      });
    });

    scope.post('/apps/:clientId', { config }, async (request, reply) => {
      const client = await ownClient(request);
      const body = bodyOf(request);
      const { input, errors } = parse(request, body);
      if (!input)
        return render(
          request,
          reply,
          'staff-app',
          {
            app: { ...client, nameText: localise(client.name, request.lang).text },
            values: body,
            scopeNames,
          },
          errors,
        );
      const secret = await oidc.update(request, client.clientId, input);
      if (secret) await showOnce(request, client.clientId, secret);
      return reply.redirect(`/staff/apps/${client.clientId}`, 303);
    });

    scope.post('/apps/:clientId/secret', { config }, async (request, reply) => {
      const client = await ownClient(request);
      const secret = await oidc.rotateSecret(request, client.clientId);
      if (secret) await showOnce(request, client.clientId, secret);
      return reply.redirect(`/staff/apps/${client.clientId}`, 303);
    });

    scope.post('/apps/:clientId/enabled', { config }, async (request, reply) => {
      const client = await ownClient(request);
      await oidc.setEnabled(request, client.clientId, !client.enabled);
      return reply.redirect(`/staff/apps/${client.clientId}`, 303);
    });

    scope.post('/apps/:clientId/delete', { config }, async (request, reply) => {
      const client = await ownClient(request);
      await oidc.remove(request, client.clientId);
      return reply.redirect('/staff/apps', 303);
    });

    scope.post('/apps/keys/rotate', { config }, async (request, reply) => {
      await oidc.rotateKeys(request.tenant.id, { type: 'staff', id: request.staffUser!.id, ip: request.ip });
      return reply.redirect('/staff/apps?rotated=1', 303);
    });
  };
}
