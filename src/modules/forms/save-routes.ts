import { createHash, randomBytes } from 'node:crypto';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { Services } from '../../app.ts';
import { publicOrigin } from '../../config.ts';
import { notFound } from '../../platform/errors/errors.ts';
import { localise } from '../../platform/i18n/local-text.ts';
import { rateLimits } from '../../platform/security/rate-limit.ts';
import { firstIncompletePage, normaliseEmail } from './engine/index.ts';
import { draftLifetimeMs } from './runner.ts';
import { loadDefinition } from './service.ts';
import { findDraft, setResumeToken, takeResumeToken } from './store.ts';

const resumeLinkLifetimeMs = 7 * 24 * 60 * 60 * 1000;
const hash = (token: string) => createHash('sha256').update(token).digest('hex');

interface FormSession {
  draftId?: string;
  saveError?: { key: string; value: string };
  savedTo?: string;
}

/** Save and come back later: a guest's draft kept behind a single-use emailed link. */
export function registerSaveAndReturn(
  app: FastifyInstance,
  services: Pick<Services, 'db' | 'mailer' | 'i18n' | 'now' | 'config'>,
): void {
  const { db, mailer, i18n, now, config } = services;

  const stateOf = async (request: FastifyRequest, slug: string) => {
    const session = await request.session();
    const all = session.get<Record<string, FormSession>>('forms') ?? {};
    return {
      session,
      state: all[slug] ?? {},
      save: (next: FormSession) => session.set('forms', { ...all, [slug]: next }),
    };
  };

  app.get('/forms/:slug/save', async (request, reply) => {
    const { slug } = request.params as { slug: string };
    const { state, save } = await stateOf(request, slug);
    const loaded = await loadDefinition(db, request.tenant.id, slug);
    if (!loaded) throw notFound();
    if (!state.draftId) return reply.redirect(`/forms/${slug}`, 303);
    const t = i18n.t(request.lang);
    const error = state.saveError;
    if (error) save({ ...state, saveError: undefined });
    return reply.header('cache-control', 'no-store').render('modules/forms/views/save.njk', {
      slug,
      formTitle: localise(loaded.definition.title, request.lang).text,
      value: error?.value ?? '',
      error: error ? { text: t(error.key) } : undefined,
      errorSummary: error ? [{ text: t(error.key), href: '#email' }] : [],
      backLink: `/forms/${slug}`,
    });
  });

  app.post('/forms/:slug/save', { config: { rateLimit: rateLimits.publicPost } }, async (request, reply) => {
    const { slug } = request.params as { slug: string };
    const { state, save } = await stateOf(request, slug);
    const loaded = await loadDefinition(db, request.tenant.id, slug);
    if (!loaded) throw notFound();
    const draft = state.draftId ? await findDraft(db, request.tenant.id, state.draftId, now()) : undefined;
    if (!draft || draft.submittedCaseId) return reply.redirect(`/forms/${slug}`, 303);
    const typed = String((request.body as { email?: unknown })?.email ?? '')
      .trim()
      .slice(0, 320);
    const email = normaliseEmail(typed);
    if (!typed || !email) {
      save({
        ...state,
        saveError: { key: typed ? 'forms.save.error-invalid' : 'forms.save.error-empty', value: typed },
      });
      return reply.redirect(`/forms/${slug}/save`, 303);
    }
    const token = randomBytes(32).toString('base64url');
    const at = now().getTime();
    const t = i18n.t(request.lang);
    const link = `${publicOrigin(config, request.tenant.slug)}/forms/resume/${token}`;
    await db.transaction(async (tx) => {
      await setResumeToken(tx, request.tenant.id, draft.id, {
        email,
        tokenHash: hash(token),
        expiresAt: new Date(at + resumeLinkLifetimeMs),
        draftExpiresAt: new Date(at + draftLifetimeMs),
      });
      await mailer.send(tx, request.tenant.id, {
        to: email,
        subject: t('forms.save.email-subject', {
          title: localise(loaded.definition.title, request.lang).text,
        }),
        text: t('forms.save.email-body', {
          title: localise(loaded.definition.title, request.lang).text,
          link,
          council: localise(request.tenant.name, request.lang).text,
        }),
      });
    });
    save({ draftId: draft.id, savedTo: email });
    return reply.redirect(`/forms/${slug}/saved`, 303);
  });

  app.get('/forms/:slug/saved', async (request, reply) => {
    const { slug } = request.params as { slug: string };
    const { state } = await stateOf(request, slug);
    const loaded = await loadDefinition(db, request.tenant.id, slug);
    if (!loaded || !state.savedTo) return reply.redirect(`/forms/${slug}`, 303);
    return reply.header('cache-control', 'no-store').render('modules/forms/views/saved.njk', {
      formTitle: localise(loaded.definition.title, request.lang).text,
      email: state.savedTo,
      slug,
    });
  });

  app.get('/forms/resume/:token', async (request, reply) => {
    const { token } = request.params as { token: string };
    const draft =
      token.length <= 64 ? await takeResumeToken(db, request.tenant.id, hash(token), now()) : undefined;
    if (!draft) {
      return reply
        .code(410)
        .header('cache-control', 'no-store')
        .render('modules/forms/views/resume-expired.njk');
    }
    const loaded = await loadDefinition(db, request.tenant.id, draft.formSlug, draft.formVersion);
    if (!loaded) throw notFound();
    const { session, save } = await stateOf(request, draft.formSlug);
    // Taking over a draft from a link is a change of who this session is acting for.
    session.rotate();
    save({ draftId: draft.id });
    const next = firstIncompletePage(loaded.definition, draft.answers as never);
    return reply.redirect(next ? `/forms/${draft.formSlug}/${next}` : `/forms/${draft.formSlug}/check`, 303);
  });
}
