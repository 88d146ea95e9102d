/**
 * Staff pages at /staff/events ('events.manage'): create and edit events, see who is coming
 * and who is waiting (an audited view of personal data), mark attendance, close
 * registration, cancel the event. Saving a change of time or place sends the update.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Services } from '../../app.ts';
import { recordAudit } from '../../platform/audit/audit.ts';
import { notFound } from '../../platform/errors/errors.ts';
import { localise } from '../../platform/i18n/local-text.ts';
import { type FieldErrors, renderForm } from '../../platform/views/error-summary.ts';
import { localText } from '../builder/edit.ts';
import { bodyOf } from '../builder/routes.ts';
import { fromLondon, londonDate, londonParts } from '../catalogue/london-time.ts';
import { formatDate, periodText } from '../forms/engine/index.ts';
import { listGroups } from '../groups/service.ts';
import { registrationRetention } from './retention.ts';
import {
  type EventInput,
  type EventRow,
  type EventsService,
  eventBySlug,
  findEvent,
  inviteToken,
  listEvents,
  registrationFigures,
  registrationsOf,
  whenText,
} from './service.ts';

const view = (name: string) => `modules/events/views/staff/${name}.njk`;
const config = { staff: 'events.manage' as const };
type Body = Record<string, string | string[]>;
type Errors = FieldErrors;
const one = (body: Body, name: string, max = 5000) => {
  const v = body[name];
  return (Array.isArray(v) ? (v[0] ?? '') : (v ?? '')).trim().slice(0, max);
};
const all = (body: Body, name: string) => {
  const v = body[name];
  return Array.isArray(v) ? v : v ? [v] : [];
};
const uuid = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
const formats = ['in-person', 'online', 'hybrid'] as const;
const visibilities = ['public', 'invitation'] as const;

/** The form's fields from a stored event, for editing. */
function valuesOf(e: EventRow): Body {
  const start = londonParts(e.startsAt);
  const end = londonParts(e.endsAt);
  return {
    slug: e.slug,
    titleEn: e.title.en,
    titleCy: e.title.cy ?? '',
    descriptionEn: e.description.en,
    descriptionCy: e.description.cy ?? '',
    'date-day': String(Number(start.day)),
    'date-month': String(Number(start.month)),
    'date-year': start.year,
    start: start.time,
    end: end.time,
    format: e.format,
    visibility: e.visibility,
    venueEn: e.venue?.en ?? '',
    venueCy: e.venue?.cy ?? '',
    accessEn: e.accessInfo?.en ?? '',
    accessCy: e.accessInfo?.cy ?? '',
    meetingUrl: e.meetingUrl ?? '',
    capacity: e.capacity === null ? '' : String(e.capacity),
    group: e.groupId ?? '',
  };
}

export function eventsStaffPages(services: Services & { events: EventsService }) {
  const { db, i18n, events, now, config: appConfig, signer } = services;

  return (scope: FastifyInstance) => {
    const t = (request: FastifyRequest) => i18n.t(request.lang);
    const render = (
      request: FastifyRequest,
      reply: FastifyReply,
      name: string,
      context: Record<string, unknown>,
      errors: FieldErrors = {},
    ) => renderForm(reply, view(name), { user: request.staffUser, ...context }, errors);

    const eventOf = async (request: FastifyRequest) => {
      const { id } = request.params as { id: string };
      const event = uuid.test(id) ? await findEvent(db, request.tenant.id, id) : undefined;
      if (!event) throw notFound();
      return event;
    };

    const formPage = async (
      request: FastifyRequest,
      reply: FastifyReply,
      values: Body,
      errors: Errors,
      id?: string,
    ) =>
      render(
        request,
        reply,
        'form',
        {
          id,
          values,
          groups: (await listGroups(db, request.tenant.id)).map((g) => ({
            value: g.id,
            text: localise(g.name, request.lang).text,
          })),
        },
        errors,
      );

    /** Reads and checks the form; the input when every field is acceptable. */
    const parse = async (request: FastifyRequest, body: Body, id?: string) => {
      const tr = t(request);
      const errors: Errors = {};
      const slug = one(body, 'slug', 100).toLowerCase();
      if (!/^[a-z0-9]+(-[a-z0-9]+)*$/.test(slug)) errors.slug = tr('events.staff.error.slug');
      else {
        const other = await eventBySlug(db, request.tenant.id, slug);
        if (other && other.id !== id) errors.slug = tr('events.staff.error.slug-taken');
      }
      const title = localText(one(body, 'titleEn', 200), one(body, 'titleCy', 200));
      if (!title) errors.titleEn = tr('events.staff.error.title');
      const description = localText(one(body, 'descriptionEn'), one(body, 'descriptionCy'));
      if (!description) errors.descriptionEn = tr('events.staff.error.description');
      const [y, m, d] = ['date-year', 'date-month', 'date-day'].map((k) => Number(one(body, k, 10)));
      const startsAt = fromLondon(y!, m!, d!, one(body, 'start', 10));
      const endsAt = fromLondon(y!, m!, d!, one(body, 'end', 10));
      if (!startsAt) errors['date-day'] = tr('events.staff.error.date');
      else if (!endsAt || endsAt <= startsAt) errors.end = tr('events.staff.error.end');
      const format = formats.find((f) => f === one(body, 'format'));
      if (!format) errors.format = tr('events.staff.error.format');
      const visibility = visibilities.find((v) => v === one(body, 'visibility'));
      if (!visibility) errors.visibility = tr('events.staff.error.visibility');
      const venue = localText(one(body, 'venueEn', 500), one(body, 'venueCy', 500)) ?? null;
      if (format && format !== 'online' && !venue) errors.venueEn = tr('events.staff.error.venue');
      const meetingUrl = one(body, 'meetingUrl', 500) || null;
      if (format && format !== 'in-person' && !(meetingUrl && /^https:\/\/[^\s]+$/.test(meetingUrl)))
        errors.meetingUrl = tr('events.staff.error.meeting-url');
      const capacityText = one(body, 'capacity', 10);
      const capacity = capacityText ? Number(capacityText) : null;
      if (capacity !== null && !(Number.isInteger(capacity) && capacity > 0 && capacity <= 100000))
        errors.capacity = tr('events.staff.error.capacity');
      const group = one(body, 'group', 40);
      const groups = await listGroups(db, request.tenant.id);
      if (group && !groups.some((g) => g.id === group)) errors.group = tr('events.staff.error.group');
      if (Object.keys(errors).length) return { errors };
      const input: EventInput = {
        slug,
        title: title!,
        description: description!,
        startsAt: startsAt!,
        endsAt: endsAt!,
        format: format!,
        visibility: visibility!,
        venue: format === 'online' ? null : venue,
        accessInfo: localText(one(body, 'accessEn', 2000), one(body, 'accessCy', 2000)) ?? null,
        meetingUrl: format === 'in-person' ? null : meetingUrl,
        capacity,
        groupId: group || null,
      };
      return { errors, input };
    };

    const audit = (
      request: FastifyRequest,
      tx: Parameters<typeof recordAudit>[0],
      action: string,
      id: string,
      details = {},
    ) =>
      recordAudit(tx, {
        tenantId: request.tenant.id,
        actor: { type: 'staff', id: request.staffUser!.id },
        action,
        subject: { type: 'event', id },
        ip: request.ip,
        details,
      });

    scope.get('/events', { config }, async (request, reply) => {
      const list = await listEvents(db, request.tenant.id);
      return render(request, reply, 'list', {
        events: list.map((e) => ({
          id: e.id,
          title: localise(e.title, request.lang).text,
          when: whenText(e, request.lang),
          status: e.status,
          confirmed: e.confirmed,
          waiting: e.waiting,
          capacity: e.capacity,
        })),
      });
    });

    scope.get('/events/new', { config }, async (request, reply) =>
      formPage(
        request,
        reply,
        { format: 'in-person', visibility: 'public', start: '18:00', end: '19:30' },
        {},
      ),
    );

    scope.post('/events/new', { config }, async (request, reply) => {
      const body = bodyOf(request);
      const { errors, input } = await parse(request, body);
      if (!input) return formPage(request, reply, body, errors);
      const id = await db.transaction(async (tx) => {
        const made = await events.create(tx, request.tenant.id, input);
        await audit(request, tx, 'event.created', made);
        return made;
      });
      return reply.redirect(`/staff/events/${id}`, 303);
    });

    scope.get('/events/:id', { config }, async (request, reply) => {
      const event = await eventOf(request);
      const { registrations, figures } = await db.transaction(async (tx) => {
        await audit(request, tx, 'view', event.id, { what: 'registrations' });
        return {
          registrations: await registrationsOf(tx, request.tenant.id, event.id),
          figures: await registrationFigures(tx, request.tenant.id, event.id),
        };
      });
      const origin = appConfig.publicOriginTemplate.replaceAll('{slug}', request.tenant.slug);
      const q = request.query as { saved?: string; told?: string };
      return render(request, reply, 'event', {
        event: {
          id: event.id,
          slug: event.slug,
          title: localise(event.title, request.lang).text,
          when: whenText(event, request.lang),
          status: event.status,
          format: event.format,
          visibility: event.visibility,
          capacity: event.capacity,
          inviteLink:
            event.visibility === 'invitation'
              ? `${origin}/events/${event.slug}?invite=${inviteToken(signer, request.tenant.id, event.id)}`
              : `${origin}/events/${event.slug}`,
        },
        figures,
        // After the event, or once anyone is marked: how many of those with a place came.
        showAttended: event.endsAt <= now() || figures.attended > 0,
        // Registrations past their retention are counted above but listed nowhere: nobody is left to list.
        deleted: figures.deletedAt
          ? {
              date: formatDate(londonDate(figures.deletedAt), request.lang),
              period: periodText(registrationRetention.parsed)[request.lang],
            }
          : undefined,
        confirmed: registrations.filter((r) => r.status === 'confirmed'),
        waiting: registrations.filter((r) => r.status === 'waiting'),
        cancelled: registrations.filter((r) => r.status === 'cancelled'),
        told: /^\d+$/.test(q.told ?? '') ? q.told : undefined,
        saved: q.saved === '1',
      });
    });

    scope.get('/events/:id/edit', { config }, async (request, reply) => {
      const event = await eventOf(request);
      return formPage(request, reply, valuesOf(event), {}, event.id);
    });

    scope.post('/events/:id/edit', { config }, async (request, reply) => {
      const event = await eventOf(request);
      const body = bodyOf(request);
      const { errors, input } = await parse(request, body, event.id);
      if (!input) return formPage(request, reply, body, errors, event.id);
      const told = await db.transaction(async (tx) => {
        const n = await events.update(tx, request.tenant, event.id, input, now());
        await audit(request, tx, 'event.updated', event.id, { told: n });
        return n;
      });
      return reply.redirect(`/staff/events/${event.id}?saved=1&told=${told}`, 303);
    });

    scope.post('/events/:id/attendance', { config }, async (request, reply) => {
      const event = await eventOf(request);
      const attended = all(bodyOf(request), 'attended').filter((id) => uuid.test(id));
      await db.transaction(async (tx) => {
        const n = await events.markAttendance(tx, request.tenant.id, event, attended);
        await audit(request, tx, 'event.attendance', event.id, { changed: n });
      });
      return reply.redirect(`/staff/events/${event.id}?saved=1`, 303);
    });

    scope.post('/events/:id/registration', { config }, async (request, reply) => {
      const event = await eventOf(request);
      const open = one(bodyOf(request), 'open') === 'yes';
      await db.transaction(async (tx) => {
        await events.setOpen(tx, request.tenant, event.id, open, now());
        await audit(request, tx, open ? 'event.opened' : 'event.closed', event.id);
      });
      return reply.redirect(`/staff/events/${event.id}?saved=1`, 303);
    });

    scope.get('/events/:id/cancel', { config }, async (request, reply) => {
      const event = await eventOf(request);
      return render(request, reply, 'cancel', {
        event: {
          id: event.id,
          title: localise(event.title, request.lang).text,
          when: whenText(event, request.lang),
        },
      });
    });

    scope.post('/events/:id/cancel', { config }, async (request, reply) => {
      const event = await eventOf(request);
      const told = await db.transaction(async (tx) => {
        const n = await events.cancelEvent(tx, request.tenant, event.id, now());
        await audit(request, tx, 'event.cancelled', event.id, { told: n });
        return n;
      });
      return reply.redirect(`/staff/events/${event.id}?told=${told}`, 303);
    });
  };
}
