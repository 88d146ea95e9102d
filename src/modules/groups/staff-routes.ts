/**
 * Staff pages at /staff/groups ('events.manage'): standing groups, their members from the
 * CRM (people and organisations, found by name or email), requests to join, papers, and
 * inviting the whole group to a meeting in one step.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Services } from '../../app.ts';
import type { Queryable } from '../../db/database.ts';
import { recordAudit } from '../../platform/audit/audit.ts';
import { notFound } from '../../platform/errors/errors.ts';
import { localise } from '../../platform/i18n/local-text.ts';
import { type FieldErrors, renderForm } from '../../platform/views/error-summary.ts';
import { localText } from '../builder/edit.ts';
import { bodyOf } from '../builder/routes.ts';
import { search } from '../crm/service.ts';
import { findEvent, listEvents, whenText } from '../events/service.ts';
import { inviteToSurvey } from '../surveys/service.ts';
import { listSurveys } from '../surveys/store.ts';
import {
  addMember,
  crmRecordExists,
  decide,
  documentsOf,
  findGroup,
  groupBySlug,
  groupInvitees,
  insertDocument,
  insertGroup,
  inviteGroupToEvent,
  listGroups,
  membersOf,
  pendingRequests,
  removeDocument,
  removeMember,
} from './service.ts';

const view = (name: string) => `modules/groups/views/staff/${name}.njk`;
const config = { staff: 'events.manage' as const };
type Body = Record<string, string | string[]>;
type Errors = FieldErrors;
const one = (body: Body, name: string, max = 5000) => {
  const v = body[name];
  return (Array.isArray(v) ? (v[0] ?? '') : (v ?? '')).trim().slice(0, max);
};
const uuid = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

export function groupsStaffPages(services: Services) {
  const { db, i18n, now } = services;

  return (scope: FastifyInstance) => {
    const t = (request: FastifyRequest) => i18n.t(request.lang);
    const render = (
      request: FastifyRequest,
      reply: FastifyReply,
      name: string,
      context: Record<string, unknown>,
      errors: FieldErrors = {},
    ) => renderForm(reply, view(name), { user: request.staffUser, ...context }, errors);

    const groupOf = async (request: FastifyRequest) => {
      const { id } = request.params as { id: string };
      const group = uuid.test(id) ? await findGroup(db, request.tenant.id, id) : undefined;
      if (!group) throw notFound();
      return group;
    };

    const audit = (
      request: FastifyRequest,
      tx: Parameters<typeof recordAudit>[0],
      action: string,
      id: string,
      details: Record<string, unknown> = {},
    ) =>
      recordAudit(tx, {
        tenantId: request.tenant.id,
        actor: { type: 'staff', id: request.staffUser!.id },
        action,
        subject: { type: 'group', id },
        ip: request.ip,
        details,
      });

    const listPage = async (
      request: FastifyRequest,
      reply: FastifyReply,
      values: Body = {},
      errors: Errors = {},
    ) =>
      render(
        request,
        reply,
        'list',
        {
          values,
          groups: (await listGroups(db, request.tenant.id)).map((g) => ({
            id: g.id,
            name: localise(g.name, request.lang).text,
            members: g.members,
            pending: g.pending,
          })),
        },
        errors,
      );

    scope.get('/groups', { config }, async (request, reply) => listPage(request, reply, { open: 'yes' }));

    scope.post('/groups', { config }, async (request, reply) => {
      const body = bodyOf(request);
      const tr = t(request);
      const errors: Errors = {};
      const slug = one(body, 'slug', 100).toLowerCase();
      if (!/^[a-z0-9]+(-[a-z0-9]+)*$/.test(slug)) errors.slug = tr('groups.staff.error.slug');
      else if (await groupBySlug(db, request.tenant.id, slug))
        errors.slug = tr('groups.staff.error.slug-taken');
      const name = localText(one(body, 'nameEn', 200), one(body, 'nameCy', 200));
      if (!name) errors.nameEn = tr('groups.staff.error.name');
      const description = localText(one(body, 'descriptionEn'), one(body, 'descriptionCy'));
      if (!description) errors.descriptionEn = tr('groups.staff.error.description');
      if (Object.keys(errors).length) return listPage(request, reply, body, errors);
      const id = await db.transaction(async (tx) => {
        const made = await insertGroup(tx, request.tenant.id, {
          slug,
          name: name!,
          description: description!,
          openToRequests: one(body, 'open') === 'yes',
        });
        await audit(request, tx, 'group.created', made);
        return made;
      });
      return reply.redirect(`/staff/groups/${id}`, 303);
    });

    const groupPage = async (
      request: FastifyRequest,
      reply: FastifyReply,
      errors: Errors = {},
      values: Body = {},
    ) => {
      const group = await groupOf(request);
      const q = String((request.query as { q?: string }).q ?? '').slice(0, 200);
      const at = now();
      const [members, requests, documents, events, found, surveys] = await db.transaction(async (tx) => {
        await audit(request, tx, 'view', group.id, { what: 'members' });
        return Promise.all([
          membersOf(tx, request.tenant.id, group.id),
          pendingRequests(tx, request.tenant.id, group.id),
          documentsOf(tx, request.tenant.id, group.id),
          listEvents(tx, request.tenant.id),
          q.trim().length >= 2 ? search(tx, request.tenant.id, q) : Promise.resolve([]),
          invitationSurveys(tx, request.tenant.id, at),
        ]);
      });
      const told = (request.query as { invited?: string }).invited;
      return render(
        request,
        reply,
        'group',
        {
          group: { id: group.id, slug: group.slug, name: localise(group.name, request.lang).text },
          members,
          requests,
          documents: documents.map((d) => ({
            id: d.id,
            title: localise(d.title, request.lang).text,
            url: d.url,
          })),
          events: events
            .filter((e) => e.status === 'open' && e.startsAt > at)
            .map((e) => ({
              value: e.id,
              text: `${localise(e.title, request.lang).text} (${whenText(e, request.lang)})`,
            })),
          surveys: surveys.map((v) => ({ value: v.id, text: localise(v.title, request.lang).text })),
          q,
          results: found
            .filter((r) => r.kind === 'person' || r.kind === 'organisation')
            .slice(0, 20)
            .map((r) =>
              r.kind === 'person'
                ? {
                    kind: 'person',
                    id: r.person.id,
                    text: `${r.person.givenName} ${r.person.familyName}`.trim(),
                    detail: r.person.emails.join(', '),
                  }
                : r.kind === 'organisation'
                  ? {
                      kind: 'organisation',
                      id: r.id,
                      text: r.name,
                      detail: t(request)('groups.staff.organisation'),
                    }
                  : undefined,
            ),
          invited: /^\d+$/.test(told ?? '') ? told : undefined,
          values,
        },
        errors,
      );
    };

    scope.get('/groups/:id', { config }, async (request, reply) => groupPage(request, reply));

    scope.post('/groups/:id/members', { config }, async (request, reply) => {
      const group = await groupOf(request);
      const body = bodyOf(request);
      const personId = one(body, 'person', 40);
      const organisationId = one(body, 'organisation', 40);
      const member = uuid.test(personId)
        ? { personId }
        : uuid.test(organisationId)
          ? { organisationId }
          : undefined;
      if (!member) throw notFound();
      await db.transaction(async (tx) => {
        // Only this council's own CRM records can join its groups.
        if (!(await crmRecordExists(tx, request.tenant.id, member))) throw notFound();
        await addMember(tx, request.tenant.id, group.id, member);
        await audit(request, tx, 'group.member-added', group.id, member);
      });
      return reply.redirect(`/staff/groups/${group.id}`, 303);
    });

    scope.post('/groups/:id/members/:member/remove', { config }, async (request, reply) => {
      const group = await groupOf(request);
      const { member } = request.params as { member: string };
      if (!uuid.test(member)) throw notFound();
      await db.transaction(async (tx) => {
        await removeMember(tx, request.tenant.id, group.id, member);
        await audit(request, tx, 'group.member-removed', group.id, { member });
      });
      return reply.redirect(`/staff/groups/${group.id}`, 303);
    });

    scope.post('/groups/:id/requests/:request', { config }, async (request, reply) => {
      const group = await groupOf(request);
      const { request: requestId } = request.params as { request: string };
      if (!uuid.test(requestId)) throw notFound();
      const approve = one(bodyOf(request), 'decision') === 'approve';
      await db.transaction(async (tx) => {
        const decided = await decide(
          services,
          tx,
          request.tenant,
          group,
          requestId,
          approve,
          request.staffUser!.id,
        );
        if (decided)
          await audit(request, tx, approve ? 'group.request-approved' : 'group.request-declined', group.id, {
            request: requestId,
          });
      });
      return reply.redirect(`/staff/groups/${group.id}`, 303);
    });

    scope.post('/groups/:id/documents', { config }, async (request, reply) => {
      const group = await groupOf(request);
      const body = bodyOf(request);
      const tr = t(request);
      const errors: Errors = {};
      const title = localText(one(body, 'titleEn', 200), one(body, 'titleCy', 200));
      if (!title) errors.titleEn = tr('groups.staff.error.document-title');
      const url = one(body, 'url', 1000);
      if (!/^(https:\/\/[^\s]+|\/[^\s/][^\s]*)$/.test(url))
        errors.url = tr('groups.staff.error.document-url');
      if (Object.keys(errors).length) return groupPage(request, reply, errors, body);
      await db.transaction(async (tx) => {
        await insertDocument(tx, request.tenant.id, group.id, { title: title!, url });
        await audit(request, tx, 'group.document-added', group.id);
      });
      return reply.redirect(`/staff/groups/${group.id}`, 303);
    });

    scope.post('/groups/:id/documents/:document/remove', { config }, async (request, reply) => {
      const group = await groupOf(request);
      const { document } = request.params as { document: string };
      if (!uuid.test(document)) throw notFound();
      await db.transaction(async (tx) => {
        await removeDocument(tx, request.tenant.id, group.id, document);
        await audit(request, tx, 'group.document-removed', group.id);
      });
      return reply.redirect(`/staff/groups/${group.id}`, 303);
    });

    // Invite the whole group to a survey: each member's own link, one response each.
    scope.post('/groups/:id/invite-survey', { config }, async (request, reply) => {
      const group = await groupOf(request);
      const surveyId = one(bodyOf(request), 'survey', 40);
      const survey = (await invitationSurveys(db, request.tenant.id, now())).find((v) => v.id === surveyId);
      if (!survey) return groupPage(request, reply, { survey: t(request)('groups.staff.error.survey') });
      const invited = await db.transaction(async (tx) => {
        const invitees = await groupInvitees(tx, request.tenant.id, group.id);
        const result = await inviteToSurvey(tx, {
          tenantId: request.tenant.id,
          surveyId: survey.id,
          listName: localise(group.name, 'en').text,
          invitees,
          now: now(),
        });
        await audit(request, tx, 'group.invited', group.id, { survey: survey.id, ...result });
        return result.invited;
      });
      return reply.redirect(`/staff/groups/${group.id}?invited=${invited}`, 303);
    });

    scope.post('/groups/:id/invite', { config }, async (request, reply) => {
      const group = await groupOf(request);
      const eventId = one(bodyOf(request), 'event', 40);
      const event = uuid.test(eventId) ? await findEvent(db, request.tenant.id, eventId) : undefined;
      if (event?.status !== 'open')
        return groupPage(request, reply, { event: t(request)('groups.staff.error.event') });
      const invited = await db.transaction(async (tx) => {
        const n = await inviteGroupToEvent(services, tx, request.tenant, group, event, request.lang);
        await audit(request, tx, 'group.invited', group.id, { event: event.id, invited: n });
        return n;
      });
      return reply.redirect(`/staff/groups/${group.id}?invited=${invited}`, 303);
    });
  };
}

/** Surveys a group can be invited to: by invitation, and not yet closed. */
async function invitationSurveys(q: Queryable, tenantId: string, at: Date) {
  return (await listSurveys(q, tenantId)).filter(
    (v) => v.access === 'invitation' && (!v.closesAt || v.closesAt > at),
  );
}
