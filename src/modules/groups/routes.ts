/**
 * The group page at /groups/<slug>: its description for anyone, and for members (by the
 * signed link in their emails, or signed in) its papers and its meetings, past and coming.
 * Anyone may ask to join.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Services } from '../../app.ts';
import { notFound } from '../../platform/errors/errors.ts';
import { localise } from '../../platform/i18n/local-text.ts';
import { isSingleAddress } from '../../platform/mail/message.ts';
import { rateLimits } from '../../platform/security/rate-limit.ts';
import type { AccountsService } from '../accounts/service.ts';
import { groupEvents, inviteToken, whenText } from '../events/service.ts';
import {
  documentsOf,
  type Group,
  groupBySlug,
  isMember,
  memberTokenValid,
  personOfAccount,
  requestMembership,
} from './service.ts';

const view = (name: string) => `modules/groups/views/${name}.njk`;
const uuid = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

interface JoinFlash {
  values: Record<string, string>;
  errors: Record<string, string>;
}

export function registerGroups(
  app: FastifyInstance,
  services: Services & { accounts: AccountsService },
): void {
  const { db, i18n, signer, accounts, now } = services;

  const groupFor = async (request: FastifyRequest) => {
    const { slug } = request.params as { slug: string };
    const group = /^[a-z0-9-]{1,100}$/.test(slug)
      ? await groupBySlug(db, request.tenant.id, slug)
      : undefined;
    if (!group) throw notFound();
    return group;
  };

  /** The member looking, by the emailed link or by their account; undefined for anyone else. */
  const memberOf = async (request: FastifyRequest, group: Group): Promise<string | undefined> => {
    const { member, token } = request.query as { member?: string; token?: string };
    if (member && uuid.test(member) && memberTokenValid(signer, request.tenant.id, group.id, member, token))
      return (await isMember(db, request.tenant.id, group.id, member)) ? member : undefined;
    const account = await accounts.signedIn(request);
    const personId = account ? await personOfAccount(db, request.tenant.id, account.id) : undefined;
    return personId && (await isMember(db, request.tenant.id, group.id, personId)) ? personId : undefined;
  };

  app.get('/groups/:slug', async (request, reply) => {
    const group = await groupFor(request);
    const member = await memberOf(request, group);
    const context: Record<string, unknown> = {
      group: {
        slug: group.slug,
        name: localise(group.name, request.lang),
        description: localise(group.description, request.lang),
        openToRequests: group.openToRequests,
      },
      member: !!member,
    };
    if (member) {
      const meetings = await groupEvents(db, request.tenant.id, group.id);
      const at = now();
      const meeting = (e: (typeof meetings)[number]) => ({
        title: localise(e.title, request.lang),
        when: whenText(e, request.lang),
        status: e.status,
        href:
          e.visibility === 'invitation'
            ? `/events/${e.slug}?invite=${inviteToken(signer, request.tenant.id, e.id)}`
            : `/events/${e.slug}`,
      });
      context.upcoming = meetings
        .filter((e) => e.endsAt > at && e.status !== 'cancelled')
        .reverse()
        .map(meeting);
      context.past = meetings.filter((e) => e.endsAt <= at).map(meeting);
      context.documents = (await documentsOf(db, request.tenant.id, group.id)).map((d) => ({
        title: localise(d.title, request.lang),
        url: d.url,
      }));
    }
    // The page of a member's link is theirs: not cached, not sent on as a referrer.
    return reply
      .header('cache-control', 'no-store')
      .header('referrer-policy', 'no-referrer')
      .render(view('group'), context);
  });

  const joinPage = (request: FastifyRequest, reply: FastifyReply, group: Group, flash?: JoinFlash) => {
    const errors = flash?.errors ?? {};
    return reply
      .code(Object.keys(errors).length ? 400 : 200)
      .header('cache-control', 'no-store')
      .render(view('join'), {
        group: { slug: group.slug, name: localise(group.name, request.lang) },
        values: flash?.values ?? {},
        errors,
        errorSummary: Object.entries(errors).map(([id, text]) => ({ text, href: `#${id}` })),
      });
  };

  app.get('/groups/:slug/join', async (request, reply) => {
    const group = await groupFor(request);
    if (!group.openToRequests) throw notFound();
    return joinPage(request, reply, group);
  });

  app.post('/groups/:slug/join', { config: { rateLimit: rateLimits.publicPost } }, async (request, reply) => {
    const group = await groupFor(request);
    if (!group.openToRequests) throw notFound();
    const body = (request.body ?? {}) as Record<string, unknown>;
    const field = (name: string, max: number) =>
      String(body[name] ?? '')
        .trim()
        .slice(0, max);
    const values = {
      name: field('name', 200),
      email: field('email', 254).toLowerCase(),
      organisation: field('organisation', 200),
      reason: field('reason', 2000),
    };
    const t = i18n.t(request.lang);
    const errors: Record<string, string> = {};
    if (!values.name) errors.name = t('groups.join.error-name');
    if (!isSingleAddress(values.email) || !/^[^@]+@[^@]+\.[^@]+$/.test(values.email))
      errors.email = t('groups.join.error-email');
    if (Object.keys(errors).length) return joinPage(request, reply, group, { values, errors });
    await db.transaction((tx) =>
      requestMembership(tx, request.tenant.id, { groupId: group.id, ...values, lang: request.lang }),
    );
    return reply.redirect(`/groups/${group.slug}/join/sent`, 303);
  });

  app.get('/groups/:slug/join/sent', async (request, reply) => {
    const group = await groupFor(request);
    return reply.render(view('join-sent'), {
      group: { slug: group.slug, name: localise(group.name, request.lang) },
    });
  });
}
