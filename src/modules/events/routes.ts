/**
 * Public pages of events: the list, an event with its registration form (no account
 * needed), the registrant's own page (reached only by the link in their emails), their
 * .ics, and cancelling. An invitation-only event opens only with its invitation's link.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Services } from '../../app.ts';
import { notFound } from '../../platform/errors/errors.ts';
import { localise } from '../../platform/i18n/local-text.ts';
import { rateLimits } from '../../platform/security/rate-limit.ts';
import type { AccountsService } from '../accounts/service.ts';
import { type FieldError, messageText, parsePage, type RawValues } from '../forms/engine/index.ts';
import { prefill } from '../forms/prefill.ts';
import { questionView } from '../forms/question-view.ts';
import { groupsOfPerson, personOfAccount } from '../groups/service.ts';
import { registrationForm } from './registration-form.ts';
import {
  countConfirmed,
  type EventRow,
  type EventsService,
  eventBySlug,
  inviteValid,
  publicEvents,
  type Registration,
  registrationByToken,
  registrationPath,
  registrationsOfAccount,
  whenText,
} from './service.ts';

const view = (name: string) => `modules/events/views/${name}.njk`;
const page = registrationForm.pages[0]!;

export function registerEvents(
  app: FastifyInstance,
  services: Services & { accounts: AccountsService; events: EventsService },
): void {
  const { db, i18n, signer, accounts, events, now } = services;

  const details = (request: FastifyRequest, event: EventRow) => {
    const lang = request.lang;
    const text = (v: EventRow['venue']) => (v ? localise(v, lang) : undefined);
    return {
      slug: event.slug,
      title: localise(event.title, lang),
      description: localise(event.description, lang),
      when: whenText(event, lang),
      format: event.format,
      venue: event.format === 'online' ? undefined : text(event.venue),
      accessInfo: text(event.accessInfo),
      status: event.status,
      past: event.endsAt <= now(),
    };
  };

  const eventFor = async (request: FastifyRequest) => {
    const { slug } = request.params as { slug: string };
    const event = /^[a-z0-9-]{1,100}$/.test(slug)
      ? await eventBySlug(db, request.tenant.id, slug)
      : undefined;
    if (!event) throw notFound();
    return event;
  };

  /** Invitation-only events look like no event at all to someone without the invitation. */
  const mayRegister = (request: FastifyRequest, event: EventRow, invite: unknown) =>
    event.visibility === 'public' || inviteValid(signer, request.tenant.id, event.id, invite);

  const showEvent = async (
    request: FastifyRequest,
    reply: FastifyReply,
    event: EventRow,
    invite: string | undefined,
    form: { values?: RawValues; errors?: FieldError[] } = {},
  ) => {
    const t = i18n.t(request.lang);
    const errors = form.errors ?? [];
    let answers = {};
    if (!form.values) {
      const account = await accounts.signedIn(request);
      if (account)
        answers = prefill(
          page.questions,
          {},
          {
            givenName: account.givenName ?? undefined,
            familyName: account.familyName ?? undefined,
            email: account.emails[0]?.email,
          },
        );
    }
    const taken = await countConfirmed(db, request.tenant.id, event.id);
    const open = event.status === 'open' && event.startsAt > now();
    return reply
      .code(errors.length ? 400 : 200)
      .header('cache-control', 'no-store')
      .render(view('event'), {
        event: details(request, event),
        open,
        full: event.capacity !== null && taken >= event.capacity,
        placesLeft: event.capacity === null ? undefined : Math.max(0, event.capacity - taken),
        invite,
        questions: page.questions.map((q) =>
          questionView(q, {
            lang: request.lang,
            t,
            isPageHeading: false,
            errors,
            values: form.values,
            answer: (answers as Record<string, never>)[q.id],
          }),
        ),
        errorSummary: errors.map((e) => ({ text: messageText(e.message, request.lang, t), href: e.href })),
      });
  };

  app.get('/events', async (request, reply) => {
    const list = await publicEvents(db, request.tenant.id, now());
    return reply.render(view('list'), { events: list.map((e) => details(request, e)) });
  });

  app.get('/events/:slug', async (request, reply) => {
    const event = await eventFor(request);
    const { invite } = request.query as { invite?: string };
    if (!mayRegister(request, event, invite)) throw notFound();
    return showEvent(request, reply, event, event.visibility === 'invitation' ? invite : undefined);
  });

  app.post(
    '/events/:slug/register',
    { config: { rateLimit: rateLimits.publicPost } },
    async (request, reply) => {
      const event = await eventFor(request);
      const body = (request.body ?? {}) as Record<string, string | string[]>;
      const invite = typeof body._invite === 'string' ? body._invite : undefined;
      if (!mayRegister(request, event, invite)) throw notFound();
      const parsed = parsePage(registrationForm, page, body);
      if (parsed.kind === 'crafted') return reply.code(400).send('Bad request');
      if (parsed.errors.length)
        return showEvent(request, reply, event, invite, { values: parsed.values, errors: parsed.errors });
      const { name, email, ...needs } = parsed.answers as { name: string; email: string } & Record<
        string,
        unknown
      >;
      const account = await accounts.signedIn(request);
      const result = await db.transaction((tx) =>
        events.register(
          tx,
          request.tenant,
          event.id,
          { name, email, answers: needs, lang: request.lang, accountId: account?.id ?? null },
          now(),
        ),
      );
      const back = `/events/${event.slug}${invite ? `?invite=${encodeURIComponent(invite)}` : ''}`;
      if (result.kind === 'closed') return reply.redirect(back, 303);
      if (result.kind === 'again') return reply.redirect(`/events/${event.slug}/sent`, 303);
      return reply.redirect(registrationPath(event.slug, result.token), 303);
    },
  );

  app.get('/events/:slug/sent', async (request, reply) => {
    const event = await eventFor(request);
    return reply.render(view('sent'), { event: details(request, event) });
  });

  const registrationFor = async (request: FastifyRequest, token: string) => {
    const event = await eventFor(request);
    const registration = await registrationByToken(db, request.tenant.id, token);
    if (!registration || registration.eventId !== event.id) throw notFound();
    return { event, registration };
  };

  const registrantView = (request: FastifyRequest, event: EventRow, r: Registration, token: string) => ({
    event: details(request, event),
    status: event.status === 'cancelled' ? 'event-cancelled' : r.status,
    name: r.name,
    email: r.email,
    accessNeeds: r.answers.accessNeeds,
    dietaryNeeds: r.answers.dietaryNeeds,
    // The meeting link is the registrant's alone: never on the public page.
    meetingUrl:
      r.status === 'confirmed' && event.status !== 'cancelled' && event.format !== 'in-person'
        ? event.meetingUrl
        : undefined,
    path: registrationPath(event.slug, token),
  });

  app.get('/events/:slug/registrations/:token', async (request, reply) => {
    const { token } = request.params as { token: string };
    if (token.endsWith('.ics')) {
      const { event, registration } = await registrationFor(request, token.slice(0, -4));
      if (registration.status === 'cancelled' || event.status === 'cancelled') throw notFound();
      const calendar = events.calendarFor(request.tenant, event, registration, 'PUBLISH', now());
      return reply
        .header('cache-control', 'no-store')
        .header('content-disposition', `attachment; filename="${event.slug}.ics"`)
        .type('text/calendar; charset=utf-8')
        .send(calendar);
    }
    const { event, registration } = await registrationFor(request, token);
    return reply
      .header('cache-control', 'no-store')
      .header('referrer-policy', 'no-referrer')
      .render(view('registration'), registrantView(request, event, registration, token));
  });

  app.get('/events/:slug/registrations/:token/cancel', async (request, reply) => {
    const { token } = request.params as { token: string };
    const { event, registration } = await registrationFor(request, token);
    if (registration.status === 'cancelled') return reply.redirect(registrationPath(event.slug, token), 303);
    return reply
      .header('cache-control', 'no-store')
      .header('referrer-policy', 'no-referrer')
      .render(view('cancel'), registrantView(request, event, registration, token));
  });

  app.post(
    '/events/:slug/registrations/:token/cancel',
    { config: { rateLimit: rateLimits.publicPost } },
    async (request, reply) => {
      const { token } = request.params as { token: string };
      const { event, registration } = await registrationFor(request, token);
      await db.transaction((tx) => events.cancel(tx, request.tenant, registration, now()));
      return reply.redirect(registrationPath(event.slug, token), 303);
    },
  );

  // My Account: the person's events, each opening their own registration page.
  app.get('/account/events', async (request, reply) => {
    const account = await accounts.signedIn(request);
    if (!account) return reply.redirect(`/sign-in?returnTo=${encodeURIComponent('/account/events')}`, 303);
    const rows = await registrationsOfAccount(
      db,
      request.tenant.id,
      account.id,
      account.emails.map((e) => e.email),
    );
    const personId = await personOfAccount(db, request.tenant.id, account.id);
    const groups = personId ? await groupsOfPerson(db, request.tenant.id, personId) : [];
    return reply.header('cache-control', 'no-store').render(view('account'), {
      registrations: rows.map((r) => ({
        id: r.id,
        title: localise(r.title, request.lang),
        startsAt: r.startsAt,
        status: r.eventStatus === 'cancelled' ? 'event-cancelled' : r.status,
      })),
      groups: groups.map((g) => ({ slug: g.slug, name: localise(g.name, request.lang) })),
    });
  });

  app.get('/account/events/:id', async (request, reply) => {
    const account = await accounts.signedIn(request);
    if (!account) return reply.redirect(`/sign-in?returnTo=${encodeURIComponent('/account/events')}`, 303);
    const { id } = request.params as { id: string };
    const emails = account.emails.map((e) => e.email);
    const mine = (await registrationsOfAccount(db, request.tenant.id, account.id, emails)).find(
      (r) => r.id === id,
    );
    if (!mine) throw notFound();
    const token = await db.transaction((tx) => events.linkFor(tx, request.tenant.id, id));
    return reply.redirect(registrationPath(mine.slug, token), 303);
  });
}
