import { randomBytes } from 'node:crypto';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Services } from '../../app.ts';
import { notFound } from '../../platform/errors/errors.ts';
import { localise } from '../../platform/i18n/local-text.ts';
import { isSingleAddress } from '../../platform/mail/message.ts';
import { rateLimits } from '../../platform/security/rate-limit.ts';
import type { AccountsService } from '../accounts/service.ts';
import type { RawBody } from '../forms/engine/index.ts';
import { todayInLondon } from '../forms/engine/index.ts';
import {
  answerLines,
  checkDefinition,
  pageComplete,
  pageViews,
  parseSurveyPage,
  type SurveyAnswers,
  type SurveyPage,
} from './definition.ts';
import { forAccount, hashToken, resumeHash, type Survey, stateOf, submit, whenText } from './service.ts';
import * as store from './store.ts';

const view = (name: string) => `modules/surveys/views/${name}.njk`;
const alternativeFormats = ['large-print', 'easy-read', 'braille', 'audio', 'language', 'other'] as const;

/** What a visitor's session remembers of each survey: their invitation, or their own resume key. */
type Remembered = Record<string, { invitationId?: string; key?: string }>;

interface Respondent {
  invitation?: store.Invitation;
  resume: string | undefined;
  response: store.ResponseRow | undefined;
}

/** The public side: the hub, a survey's pages, invitation links, the outcome, My Account's list. */
export function registerSurveys(
  app: FastifyInstance,
  services: Pick<Services, 'db' | 'i18n' | 'now' | 'files' | 'mailer'> & { accounts: AccountsService },
): void {
  const { db, i18n, now, accounts } = services;

  const load = async (request: FastifyRequest) => {
    const { slug } = request.params as { slug: string };
    const survey = await store.surveyBySlug(db, request.tenant.id, String(slug));
    if (!survey) throw notFound();
    return survey;
  };

  const remembered = async (request: FastifyRequest) => {
    const session = await request.session();
    const all = session.get<Remembered>('surveys') ?? {};
    return { session, all };
  };

  /** Who is answering: their invitation (checked afresh: it may have been revoked) and their response. */
  const respondent = async (request: FastifyRequest, survey: Survey): Promise<Respondent | undefined> => {
    const { all } = await remembered(request);
    const mine = all[survey.id];
    if (survey.access === 'invitation') {
      if (!mine?.invitationId) return undefined;
      const invitation = await store.invitationById(db, request.tenant.id, mine.invitationId);
      if (!invitation || invitation.surveyId !== survey.id || invitation.revokedAt) return undefined;
      // Anonymous: the draft is found by a key this browser holds, never by anything the
      // invitation could give, so no one holding the database and its secrets can pair them.
      const resume = survey.anonymous
        ? mine.key
          ? resumeHash('session', mine.key)
          : undefined
        : resumeHash('invitation', invitation.id);
      return {
        invitation,
        resume,
        response: resume ? await store.responseByResume(db, request.tenant.id, survey.id, resume) : undefined,
      };
    }
    if (!mine?.key) return { resume: undefined, response: undefined };
    const resume = resumeHash('session', mine.key);
    return { resume, response: await store.responseByResume(db, request.tenant.id, survey.id, resume) };
  };

  const pageUrl = (survey: Survey, page: SurveyPage) => `/surveys/${survey.slug}/p/${page.id}`;
  const firstIncomplete = (survey: Survey, answers: SurveyAnswers) =>
    survey.definition.pages.find((p) => !pageComplete(p, answers));

  /**
   * Where a visitor who may not answer now belongs: the start page (closed, not yet open,
   * full, no invitation) or the thank-you page (sent, and not to be changed).
   */
  const gate = async (request: FastifyRequest, survey: Survey) => {
    const state = stateOf(survey, now());
    if (state !== 'open') return { redirect: `/surveys/${survey.slug}` };
    const who = await respondent(request, survey);
    if (!who) return { redirect: `/surveys/${survey.slug}` };
    if (who.response?.status === 'submitted') {
      if (!survey.allowEdit) return { redirect: `/surveys/${survey.slug}/done` };
      return { who };
    }
    if (
      survey.responseLimit &&
      (await store.countSubmitted(db, request.tenant.id, survey.id)) >= survey.responseLimit
    )
      return { redirect: `/surveys/${survey.slug}` };
    return { who };
  };

  const documentsOf = (survey: Survey, lang: 'en' | 'cy') =>
    survey.documents.map((d) => ({
      url: d.url.startsWith('file:') ? `/surveys/${survey.slug}/documents/${d.url.slice(5)}` : d.url,
      title: localise(d.title, lang),
    }));

  // A document uploaded for a survey: public, as the survey's page is, and only if the survey lists it.
  app.get('/surveys/:slug/documents/:file', async (request, reply) => {
    const survey = await load(request);
    const { file } = request.params as { file: string };
    if (!survey.documents.some((d) => d.url === `file:${file}`)) throw notFound();
    const stored = await services.files.get(request.tenant.id, file);
    if (!stored) throw notFound();
    return reply
      .type(stored.file.contentType)
      .header('content-disposition', `inline; filename="${stored.file.filename.replace(/["\\]/g, '_')}"`)
      .header('x-content-type-options', 'nosniff')
      .header('cache-control', 'public, max-age=3600')
      .send(stored.bytes);
  });

  app.get('/surveys', async (request, reply) => {
    const all = await store.listSurveys(db, request.tenant.id);
    const at = now();
    const item = (s: Survey) => ({
      slug: s.slug,
      kind: s.kind,
      title: localise(s.title, request.lang),
      description: localise(s.description, request.lang),
      closes: s.closesAt ? whenText(s.closesAt, request.lang) : undefined,
      outcome: Boolean(s.outcomePublishedAt),
    });
    // Invitation-only surveys are not listed until their outcome is published.
    const listed = all.filter((s) => s.access === 'link' || s.outcomePublishedAt);
    return reply.render(view('hub'), {
      open: listed.filter((s) => s.access === 'link' && stateOf(s, at) === 'open').map(item),
      closed: listed.filter((s) => stateOf(s, at) === 'closed' && !s.outcomePublishedAt).map(item),
      published: listed.filter((s) => s.outcomePublishedAt).map(item),
    });
  });

  app.get('/surveys/:slug', async (request, reply) => {
    const survey = await load(request);
    const { invite } = request.query as { invite?: unknown };
    if (typeof invite === 'string') return openInvitation(request, reply, survey, invite);
    const state = stateOf(survey, now());
    const who = await respondent(request, survey);
    const full =
      state === 'open' &&
      !!survey.responseLimit &&
      who?.response?.status !== 'submitted' &&
      (await store.countSubmitted(db, request.tenant.id, survey.id)) >= survey.responseLimit;
    const firstPage = survey.definition.pages[0]!;
    // An identified survey open to all keeps a response with the account of whoever is signed in.
    const offerSignIn =
      !survey.anonymous &&
      survey.access === 'link' &&
      state === 'open' &&
      !(await accounts.signedIn(request));
    return reply.header('cache-control', 'no-store').render(view('start'), {
      offerSignIn,
      signIn: `/sign-in?returnTo=${encodeURIComponent(`/surveys/${survey.slug}`)}`,
      survey,
      surveyTitle: localise(survey.title, request.lang),
      description: localise(survey.description, request.lang),
      alternativeFormats: localise(survey.alternativeFormats, request.lang),
      documents: documentsOf(survey, request.lang),
      state,
      full,
      opens: survey.opensAt ? whenText(survey.opensAt, request.lang) : undefined,
      closes: survey.closesAt ? whenText(survey.closesAt, request.lang) : undefined,
      canStart: state === 'open' && !full && (survey.access === 'link' || !!who),
      needsInvitation: survey.access === 'invitation' && !who,
      sent: who?.response?.status === 'submitted',
      start: pageUrl(survey, firstPage),
      outcome: Boolean(survey.outcomePublishedAt),
    });
  });

  /**
   * The link in the invitation email: it is the credential, so nothing else is asked. The
   * token rides in the query string, which request logs leave out, and is swapped at once
   * for the invitation in the session.
   */
  const openInvitation = async (
    request: FastifyRequest,
    reply: FastifyReply,
    survey: Survey,
    token: string,
  ) => {
    const invitation =
      /^[A-Za-z0-9_-]{43}$/.test(token) &&
      (await store.invitationByToken(db, request.tenant.id, survey.id, hashToken(token)));
    reply.header('cache-control', 'no-store').header('referrer-policy', 'no-referrer');
    if (!invitation || invitation.revokedAt) {
      return reply.code(404).render(view('invite-invalid'), { survey });
    }
    const { session, all } = await remembered(request);
    const kept = all[survey.id];
    session.set('surveys', {
      ...all,
      [survey.id]: {
        invitationId: invitation.id,
        ...(survey.anonymous
          ? {
              key:
                (kept?.invitationId === invitation.id && kept.key) || randomBytes(24).toString('base64url'),
            }
          : {}),
      },
    });
    return reply.redirect(
      invitation.answered
        ? `/surveys/${survey.slug}/done`
        : `/surveys/${survey.slug}/p/${survey.definition.pages[0]!.id}`,
      303,
    );
  };

  const findPage = (survey: Survey, id: string) => {
    const page = survey.definition.pages.find((p) => p.id === id);
    if (!page) throw notFound();
    return page;
  };

  const renderPage = (
    request: FastifyRequest,
    reply: FastifyReply,
    survey: Survey,
    page: SurveyPage,
    answers: SurveyAnswers,
    errors: { questionId: string; href: string; text: string }[] = [],
    values?: Record<string, string | string[]>,
  ) => {
    const t = i18n.t(request.lang);
    const index = survey.definition.pages.indexOf(page);
    const questions = pageViews(page, answers, errors, values, request.lang, t);
    const single = questions.length === 1 && !page.title;
    const q0 = questions[0]!;
    const heading =
      'own' in q0 && q0.own
        ? (q0.legend?.text ?? (q0.params?.fieldset as { legend: { text: string } } | undefined)?.legend.text)
        : ((q0.params.label as { text: string } | undefined)?.text ??
          (q0.params.fieldset as { legend: { text: string } } | undefined)?.legend.text);
    return reply
      .code(errors.length ? 400 : 200)
      .header('cache-control', 'no-store')
      .render(view('page'), {
        surveyTitle: localise(survey.title, request.lang).text,
        pageTitle: page.title ? localise(page.title, request.lang).text : undefined,
        title: page.title
          ? localise(page.title, request.lang).text
          : single
            ? heading
            : localise(survey.title, request.lang).text,
        progress: t('surveys.page.progress', { page: index + 1, pages: survey.definition.pages.length }),
        questions,
        action: pageUrl(survey, page),
        back: index > 0 ? pageUrl(survey, survey.definition.pages[index - 1]!) : `/surveys/${survey.slug}`,
        errorSummary: errors.map((e) => ({ text: e.text, href: e.href })),
      });
  };

  app.get('/surveys/:slug/p/:page', async (request, reply) => {
    const survey = await load(request);
    const g = await gate(request, survey);
    if (g.redirect) return reply.redirect(g.redirect, 303);
    const page = findPage(survey, (request.params as { page: string }).page);
    const answers = g.who?.response?.answers ?? {};
    // A page after one not yet answered is not shown: go back to the first gap.
    const gap = firstIncomplete(survey, answers);
    if (gap && survey.definition.pages.indexOf(page) > survey.definition.pages.indexOf(gap))
      return reply.redirect(pageUrl(survey, gap), 303);
    return renderPage(request, reply, survey, page, answers);
  });

  app.post(
    '/surveys/:slug/p/:page',
    { config: { rateLimit: rateLimits.publicPost } },
    async (request, reply) => {
      const survey = await load(request);
      const g = await gate(request, survey);
      if (g.redirect) return reply.redirect(g.redirect, 303);
      const who = g.who!;
      const page = findPage(survey, (request.params as { page: string }).page);
      const checked = checkDefinition(survey.definition);
      if (!checked.ok) throw new Error(`survey ${survey.slug} has a bad definition: ${checked.errors[0]}`);
      const t = i18n.t(request.lang);
      const body = bodyOf(request);
      const parsed = parseSurveyPage(checked.definition, checked.engine, page, body, request.lang, t);
      if (parsed.kind === 'crafted') return reply.code(400).send({ title: 'Bad request' });
      const before = who.response?.answers ?? {};
      if (parsed.errors.length)
        return renderPage(request, reply, survey, page, before, parsed.errors, parsed.values);
      // The page's answers replace what it had before; other pages' answers stay.
      const answers: SurveyAnswers = { ...before };
      for (const q of page.questions) delete answers[q.id];
      Object.assign(answers, parsed.answers);
      let resume = who.resume;
      if (!resume) {
        const key = randomBytes(24).toString('base64url');
        const { session, all } = await remembered(request);
        session.set('surveys', { ...all, [survey.id]: { ...all[survey.id], key } });
        resume = resumeHash('session', key);
      }
      const account = survey.anonymous ? undefined : await accounts.signedIn(request);
      await store.saveDraft(db, request.tenant.id, {
        surveyId: survey.id,
        resumeHash: resume,
        answers,
        listName: who.invitation?.listName ?? null,
        // An anonymous response keeps nothing of who gave it.
        invitationId: survey.anonymous ? null : (who.invitation?.id ?? null),
        accountId: account?.id ?? null,
        startedOn: todayInLondon(now()),
      });
      const index = survey.definition.pages.indexOf(page);
      const next = who.response?.status === 'submitted' ? undefined : survey.definition.pages[index + 1];
      return reply.redirect(next ? pageUrl(survey, next) : `/surveys/${survey.slug}/check`, 303);
    },
  );

  app.get('/surveys/:slug/check', async (request, reply) => {
    const survey = await load(request);
    const g = await gate(request, survey);
    if (g.redirect) return reply.redirect(g.redirect, 303);
    const answers = g.who?.response?.answers ?? {};
    const gap = firstIncomplete(survey, answers);
    if (gap || !g.who?.response)
      return reply.redirect(pageUrl(survey, gap ?? survey.definition.pages[0]!), 303);
    const t = i18n.t(request.lang);
    const rows = survey.definition.pages.flatMap((page) =>
      page.questions.map((q) => ({
        key: { text: localise(q.label, request.lang).text },
        value: {
          html: answerLines(q, answers[q.id], request.lang, t)
            .map((l) => escapeHtml(l))
            .join('<br>'),
        },
        actions: {
          items: [
            {
              href: `${pageUrl(survey, page)}#${q.id}`,
              text: t('surveys.check.change'),
              visuallyHiddenText: localise(q.label, request.lang).text,
            },
          ],
        },
      })),
    );
    return reply.header('cache-control', 'no-store').render(view('check'), {
      surveyTitle: localise(survey.title, request.lang).text,
      rows,
      editing: g.who.response.status === 'submitted',
      anonymous: survey.anonymous,
      slug: survey.slug,
    });
  });

  app.post(
    '/surveys/:slug/check',
    { config: { rateLimit: rateLimits.publicPost } },
    async (request, reply) => {
      const survey = await load(request);
      const g = await gate(request, survey);
      if (g.redirect) return reply.redirect(g.redirect, 303);
      const who = g.who!;
      const response = who.response;
      if (!response || firstIncomplete(survey, response.answers))
        return reply.redirect(`/surveys/${survey.slug}/check`, 303);
      if (response.status === 'draft') {
        const account = survey.anonymous ? undefined : await accounts.signedIn(request);
        const outcome = await db.transaction(async (tx) => {
          // One at a time per survey, so the response limit holds.
          await tx.query('select 1 from surveys where tenant_id = $1 and id = $2 for update', [
            request.tenant.id,
            survey.id,
          ]);
          if (
            survey.responseLimit &&
            (await store.countSubmitted(tx, request.tenant.id, survey.id)) >= survey.responseLimit
          )
            return 'full' as const;
          await submit(tx, {
            tenantId: request.tenant.id,
            survey,
            responseId: response.id,
            ...(who.invitation ? { invitation: who.invitation } : {}),
            ...(account ? { account } : {}),
            now: now(),
          });
          return 'sent' as const;
        });
        if (outcome === 'full') return reply.redirect(`/surveys/${survey.slug}`, 303);
      }
      return reply.redirect(`/surveys/${survey.slug}/done`, 303);
    },
  );

  app.get('/surveys/:slug/done', async (request, reply) => {
    const survey = await load(request);
    const who = await respondent(request, survey);
    if (who?.response?.status !== 'submitted' && !who?.invitation?.answered)
      return reply.redirect(`/surveys/${survey.slug}`, 303);
    const open = stateOf(survey, now()) === 'open';
    return reply.header('cache-control', 'no-store').render(view('done'), {
      surveyTitle: localise(survey.title, request.lang).text,
      slug: survey.slug,
      canEdit: survey.allowEdit && open && who?.response?.status === 'submitted',
      closes: survey.closesAt ? whenText(survey.closesAt, request.lang) : undefined,
    });
  });

  // Another format on request: the council's contact inbox gets the request through the outbox.
  const formatsPage = (
    request: FastifyRequest,
    reply: FastifyReply,
    survey: Survey,
    values: Record<string, string> = {},
    errors: Record<string, string> = {},
  ) => {
    const t = i18n.t(request.lang);
    return reply
      .code(Object.keys(errors).length ? 400 : 200)
      .header('cache-control', 'no-store')
      .render(view('formats'), {
        survey,
        surveyTitle: localise(survey.title, request.lang),
        formats: alternativeFormats.map((f) => ({
          value: f,
          text: t(`surveys.formats.${f}`),
          checked: values.format === f,
        })),
        values,
        errors: Object.fromEntries(Object.entries(errors).map(([k, v]) => [k, { text: t(v) }])),
        errorSummary: Object.entries(errors).map(([k, v]) => ({ text: t(v), href: `#${k}` })),
      });
  };

  app.get('/surveys/:slug/formats', async (request, reply) =>
    formatsPage(request, reply, await load(request)),
  );

  app.post(
    '/surveys/:slug/formats',
    { config: { rateLimit: rateLimits.publicPost } },
    async (request, reply) => {
      const survey = await load(request);
      const body = bodyOf(request);
      const field = (name: string, max: number) =>
        String(body[name] ?? '')
          .trim()
          .slice(0, max);
      const values = {
        format: field('format', 40),
        details: field('details', 1000),
        email: field('email', 254),
      };
      const errors: Record<string, string> = {};
      if (!alternativeFormats.includes(values.format as (typeof alternativeFormats)[number]))
        errors.format = 'surveys.formats.error-format';
      if (values.format === 'language' && !values.details) errors.details = 'surveys.formats.error-language';
      if (!isSingleAddress(values.email.toLowerCase())) errors.email = 'surveys.formats.error-email';
      if (Object.keys(errors).length) return formatsPage(request, reply, survey, values, errors);
      const en = i18n.t('en');
      await db.transaction((tx) =>
        services.mailer.send(tx, request.tenant.id, {
          to: request.tenant.contact.email,
          subject: en('surveys.formats.mail-subject', { title: localise(survey.title, 'en').text }),
          text: en('surveys.formats.mail-body', {
            title: localise(survey.title, 'en').text,
            format: en(`surveys.formats.${values.format}`),
            details: values.details || '-',
            email: values.email.toLowerCase(),
            language: request.lang === 'cy' ? 'Cymraeg' : 'English',
          }),
        }),
      );
      return reply.redirect(`/surveys/${survey.slug}/formats/sent`, 303);
    },
  );

  app.get('/surveys/:slug/formats/sent', async (request, reply) => {
    const survey = await load(request);
    return reply.render(view('formats-sent'), { survey, surveyTitle: localise(survey.title, request.lang) });
  });

  app.get('/surveys/:slug/outcome', async (request, reply) => {
    const survey = await load(request);
    if (!survey.outcomePublishedAt || !survey.outcome) throw notFound();
    return reply.render(view('outcome'), {
      survey,
      surveyTitle: localise(survey.title, request.lang),
      asked: localise(survey.outcome.asked, request.lang),
      said: localise(survey.outcome.said, request.lang),
      did: localise(survey.outcome.did, request.lang),
      documents: documentsOf(survey, request.lang),
    });
  });

  // My Account: the surveys someone was invited to and the identified responses they gave.
  app.get('/account/surveys', async (request, reply) => {
    const account = await accounts.signedIn(request);
    if (!account) return reply.redirect(`/sign-in?returnTo=${encodeURIComponent('/account/surveys')}`, 303);
    const mine = await forAccount(db, request.tenant.id, account);
    const at = now();
    return reply.header('cache-control', 'no-store').render(view('account'), {
      invitations: mine.invitations.map((i) => ({
        slug: i.slug,
        title: localise(i.title, request.lang),
        answered: i.answered,
        closed: !!i.closesAt && at >= i.closesAt,
        closes: i.closesAt ? whenText(i.closesAt, request.lang) : undefined,
      })),
      responses: mine.responses.map((r) => ({
        slug: r.slug,
        title: localise(r.title, request.lang),
        status: r.status,
        submitted: r.submittedAt ? whenText(r.submittedAt, request.lang) : undefined,
      })),
    });
  });
}

export function escapeHtml(s: string): string {
  return s.replace(
    /[&<>"']/g,
    (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!,
  );
}

/** Form fields as strings, from a urlencoded or a multipart body. */
export function bodyOf(request: FastifyRequest): RawBody {
  const raw = (request.body ?? {}) as Record<string, unknown>;
  const out: RawBody = {};
  for (const [name, value] of Object.entries(raw)) {
    const parts = (Array.isArray(value) ? value : [value]).flatMap((p) =>
      typeof p === 'string'
        ? [p]
        : p && typeof p === 'object' && 'value' in p && (p as { type?: string }).type !== 'file'
          ? [String((p as { value: unknown }).value ?? '')]
          : [],
    );
    if (parts.length) out[name] = parts.length === 1 ? parts[0]! : parts;
  }
  return out;
}
