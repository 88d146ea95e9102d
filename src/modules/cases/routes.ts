import type { FastifyInstance } from 'fastify';
import type { Services } from '../../app.ts';
import { notFound } from '../../platform/errors/errors.ts';
import { rateLimits } from '../../platform/security/rate-limit.ts';
import { describeSubmission } from '../forms/service.ts';
import {
  caseHistory,
  caseSubmission,
  checkTrackingCode,
  lookupReference,
  maskEmail,
  newTrackingChallenge,
  type TrackingChallenge,
} from './service.ts';
import { residentView, statusBook } from './workflow.ts';

interface TrackState {
  challenge?: TrackingChallenge;
  /** Cases whose details this visitor has proved they may see. */
  verified?: string[];
  error?: string;
}

export function registerTracking(
  app: FastifyInstance,
  services: Pick<Services, 'db' | 'mailer' | 'i18n' | 'now'>,
): void {
  const { db, mailer, i18n, now } = services;

  app.get('/track', async (request, reply) => {
    const t = i18n.t(request.lang);
    const typed = (request.query as { reference?: unknown }).reference;
    const example = `${request.tenant.prefix}-7K4P-2Q9M`;
    if (typeof typed !== 'string')
      return reply.render('modules/cases/views/find.njk', { value: '', example });
    const input = typed.slice(0, 64);
    const error = (key: string, params?: Record<string, string>) =>
      reply.render('modules/cases/views/find.njk', {
        value: input,
        example,
        error: { text: t(key, params) },
        errorSummary: [{ text: t(key, params), href: '#reference' }],
      });
    if (!input.trim()) return error('track.error.empty');
    const found = await lookupReference(db, request.tenant.id, input);
    if (found.kind === 'found') return reply.redirect(`/track/${found.case.reference}`, 303);
    if (found.kind === 'suggestion') {
      return reply.render('modules/cases/views/find.njk', { value: input, suggestion: found.suggestion });
    }
    if (found.kind === 'not-found') return error('track.error.not-found', { reference: found.reference });
    return error('track.error.invalid', { example });
  });

  app.get('/track/:reference', async (request, reply) => {
    const { reference } = request.params as { reference: string };
    const found = await lookupReference(db, request.tenant.id, reference);
    if (found.kind !== 'found')
      return reply.redirect(`/track?reference=${encodeURIComponent(reference)}`, 303);
    if (found.case.reference !== reference) return reply.redirect(`/track/${found.case.reference}`, 301);
    const row = found.case;
    const session = await request.session();
    const state = session.get<TrackState>('track') ?? {};
    const [history, submission, book] = await Promise.all([
      caseHistory(db, request.tenant.id, row.id),
      caseSubmission(db, request.tenant.id, row.id),
      statusBook(db, request.tenant.id),
    ]);
    // The resident sees only the updates of statuses their service shows, in its words.
    const t = i18n.t(request.lang);
    const shown = residentView(history);
    const verified = state.verified?.includes(row.id) ?? false;
    const details =
      verified && submission && row.formSlug && row.formVersion
        ? await describeSubmission(
            db,
            request.tenant.id,
            row.formSlug,
            row.formVersion,
            submission.answers,
            request.lang,
          )
        : undefined;
    return reply.header('cache-control', 'no-store').render('modules/cases/views/track.njk', {
      row,
      status: { slug: shown.status, ...book.label(row.queue, shown.status, request.lang, t) },
      history: shown.shown.map((u) => ({ ...u, label: book.label(row.queue, u.status, request.lang, t) })),
      canVerify: Boolean(submission?.email) && !verified,
      maskedEmail: submission?.email ? maskEmail(submission.email) : undefined,
      details,
    });
  });

  // Personal details only after the person proves they hold the email given with it.
  app.post('/track/:reference/code', { config: { rateLimit: rateLimits.signIn } }, async (request, reply) => {
    const { reference } = request.params as { reference: string };
    const found = await lookupReference(db, request.tenant.id, reference);
    if (found.kind !== 'found') throw notFound();
    const submission = await caseSubmission(db, request.tenant.id, found.case.id);
    if (!submission?.email) return reply.redirect(`/track/${found.case.reference}`, 303);
    const { code, challenge } = newTrackingChallenge(found.case.id, now());
    const t = i18n.t(request.lang);
    await db.transaction((tx) =>
      mailer.send(tx, request.tenant.id, {
        to: submission.email!,
        subject: t('track.code-email.subject', { reference: found.case.reference }),
        text: t('track.code-email.body', { code, reference: found.case.reference }),
      }),
    );
    const session = await request.session();
    session.set('track', { ...(session.get<TrackState>('track') ?? {}), challenge, error: undefined });
    return reply.redirect(`/track/${found.case.reference}/verify`, 303);
  });

  app.get('/track/:reference/verify', async (request, reply) => {
    const { reference } = request.params as { reference: string };
    const session = await request.session();
    const state = session.get<TrackState>('track') ?? {};
    const t = i18n.t(request.lang);
    if (state.error) session.set('track', { ...state, error: undefined });
    return reply.header('cache-control', 'no-store').render('modules/cases/views/verify.njk', {
      reference,
      error: state.error ? { text: t(state.error) } : undefined,
      errorSummary: state.error ? [{ text: t(state.error), href: '#code' }] : [],
    });
  });

  app.post(
    '/track/:reference/verify',
    { config: { rateLimit: rateLimits.signIn } },
    async (request, reply) => {
      const { reference } = request.params as { reference: string };
      const found = await lookupReference(db, request.tenant.id, reference);
      if (found.kind !== 'found') throw notFound();
      const session = await request.session();
      const state = session.get<TrackState>('track') ?? {};
      const typed = String((request.body as { code?: unknown })?.code ?? '').trim();
      const fail = (error: string) => {
        session.set('track', { ...state, error });
        return reply.redirect(`/track/${found.case.reference}/verify`, 303);
      };
      if (!/^\d{6}$/.test(typed.replace(/\s/g, ''))) return fail('track.error.code-format');
      if (!state.challenge || state.challenge.caseId !== found.case.id)
        return fail('track.error.code-expired');
      const result = checkTrackingCode(state.challenge, typed, now());
      if (result !== 'ok')
        return fail(result === 'wrong' ? 'track.error.code-wrong' : 'track.error.code-expired');
      // Seeing personal data is a privilege change: a new session id.
      session.rotate();
      session.set('track', { verified: [...(state.verified ?? []), found.case.id] });
      return reply.redirect(`/track/${found.case.reference}`, 303);
    },
  );
}
