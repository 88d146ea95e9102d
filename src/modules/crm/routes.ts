import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Services } from '../../app.ts';
import { recordAudit } from '../../platform/audit/audit.ts';
import { notFound } from '../../platform/errors/errors.ts';
import { findByUprn } from '../../platform/gazetteer/store.ts';
import { startAssisted } from '../forms/assisted.ts';
import { listLiveForms } from '../forms/service.ts';
import { binDayFor } from '../local-info/service.ts';
import { binFacts } from './bins.ts';
import { normaliseEmail, normalisePhone } from './contact.ts';
import {
  duplicatesFor,
  findCandidate,
  findDuplicatesOf,
  markCandidate,
  mergePeople,
  openCandidates,
  undoMerge,
} from './duplicates.ts';
import { search } from './service.ts';
import {
  addEmail,
  addOrganisationContact,
  addPhone,
  avoidableTags,
  type Channel,
  casesAt,
  casesOf,
  channels,
  findOrganisation,
  findPerson,
  insertInteraction,
  insertOrganisation,
  insertPerson,
  organisationContacts,
  organisationsOf,
  peopleAt,
  type TimelineFilter,
  timeline,
  updatePerson,
} from './store.ts';

const view = (name: string) => `modules/crm/views/${name}.njk`;
/** Contacts an agent logs: the web and the API log themselves. */
export const loggedChannels = ['phone', 'face-to-face', 'email', 'letter'] as const;
export const outcomes = ['resolved', 'case-raised', 'referred', 'call-back', 'information-given'] as const;
/** Why staff opened a record: asked on the search page, kept in the audit log. */
export const viewReasons = ['contact', 'case', 'duplicates', 'data-quality'] as const;
const organisationKinds = ['charity', 'business', 'partner', 'public-body', 'other'] as const;

type Errors = Record<string, string | undefined>;

function errorsOf(fields: Errors, t: (k: string) => string) {
  const messages: Record<string, { text: string } | undefined> = {};
  const summary: { text: string; href: string }[] = [];
  for (const [id, key] of Object.entries(fields)) {
    if (!key) continue;
    messages[id] = { text: t(key) };
    summary.push({ text: t(key), href: `#${id}` });
  }
  return { messages, summary };
}

const isOneOf = <T extends string>(list: readonly T[], value: unknown): value is T =>
  typeof value === 'string' && (list as readonly string[]).includes(value);

/** The CRM's staff pages, added inside the staff scope, whose one hook checks each permission. */
export function crmStaffPages(services: Services) {
  const { db, i18n, now, tenants } = services;
  return (scope: FastifyInstance) => {
    const body = (request: FastifyRequest) => (request.body ?? {}) as Record<string, unknown>;
    const field = (request: FastifyRequest, name: string, max = 200) =>
      String(body(request)[name] ?? '')
        .trim()
        .slice(0, max);
    const page = (request: FastifyRequest, reply: FastifyReply, name: string, context = {}) =>
      reply.render(view(name), { user: request.staffUser, ...context });
    const actor = (request: FastifyRequest) => ({ type: 'staff' as const, id: request.staffUser!.id });
    const reasonOf = (request: FastifyRequest) => {
      const why = (request.query as { why?: string }).why;
      return isOneOf(viewReasons, why) ? why : 'contact';
    };

    // The one search box: people, properties, organisations and cases.
    scope.get('/search', { config: { staff: 'contacts.handle' } }, async (request, reply) => {
      const { q = '' } = request.query as { q?: string };
      const text = String(q).slice(0, 200);
      const results = text.trim() ? await search(db, request.tenant.id, text) : [];
      if (text.trim()) {
        // Searching reads personal data: who searched, for what kind of thing (not the text).
        await recordAudit(db, {
          tenantId: request.tenant.id,
          actor: actor(request),
          action: 'crm.search',
          subject: { type: 'people' },
          reason: reasonOf(request),
          ip: request.ip,
          details: { results: results.length },
        });
      }
      const t = i18n.t(request.lang);
      const tooShort = text.trim().length === 1;
      return page(request, reply, 'search', {
        q: text,
        results,
        searched: Boolean(text.trim()) && !tooShort,
        error: tooShort ? { text: t('crm.search.error-short') } : undefined,
        errorSummary: tooShort ? [{ text: t('crm.search.error-short'), href: '#q' }] : [],
      });
    });

    // A person's one screen: details, household, cases, timeline; every view audited.
    scope.get('/people/:id', { config: { staff: 'contacts.handle' } }, async (request, reply) => {
      const { id } = request.params as { id: string };
      const tenantId = request.tenant.id;
      const person = await findPerson(db, tenantId, id);
      if (!person) throw notFound();
      if (person.mergedInto) return reply.redirect(`/staff/people/${person.mergedInto}`, 303);
      const query = request.query as { channel?: string; logged?: string; sent?: string };
      const filter: TimelineFilter = isOneOf(channels, query.channel) ? { channel: query.channel } : {};
      await recordAudit(db, {
        tenantId,
        actor: actor(request),
        action: 'crm.person.view',
        subject: { type: 'person', id: person.id },
        reason: reasonOf(request),
        ip: request.ip,
      });
      const [entries, cases, household, organisations, duplicates] = await Promise.all([
        timeline(db, tenantId, { personId: person.id }, filter),
        casesOf(db, tenantId, person.id),
        person.uprn ? peopleAt(db, tenantId, person.uprn) : Promise.resolve([]),
        organisationsOf(db, tenantId, person.id),
        duplicatesFor(db, tenantId, person.id),
      ]);
      const binDay = person.uprn
        ? await binDayFor(db, tenants, request.tenant, person.uprn, now(), 14)
        : undefined;
      const bins = binFacts(binDay, request.lang, i18n.t(request.lang));
      return page(request, reply, 'person', {
        person,
        entries,
        cases,
        household: household.filter((p) => p.id !== person.id),
        organisations,
        duplicates,
        bins,
        channel: filter.channel ?? '',
        channels,
        logged: query.logged === '1',
        sent: typeof query.sent === 'string' ? query.sent.slice(0, 20) : undefined,
        ...contactFormContext(request),
      });
    });

    const contactFormContext = (
      request: FastifyRequest,
      values: Record<string, string> = {},
      errors: Errors = {},
    ) => {
      const t = i18n.t(request.lang);
      const e = errorsOf(errors, t);
      return {
        loggedChannels,
        outcomes,
        avoidableTags,
        values: { channel: 'phone', ...values },
        errors: e.messages,
        errorSummary: e.summary,
      };
    };

    // Log a call, visit, email or letter in a few keystrokes.
    scope.post('/people/:id/contacts', { config: { staff: 'contacts.handle' } }, async (request, reply) => {
      const { id } = request.params as { id: string };
      const tenantId = request.tenant.id;
      const person = await findPerson(db, tenantId, id);
      if (!person || person.mergedInto) throw notFound();
      const values = {
        channel: field(request, 'channel', 20),
        reason: field(request, 'reason', 200),
        outcome: field(request, 'outcome', 30),
        avoidable: field(request, 'avoidable', 30),
        note: field(request, 'note', 2000),
        caseId: field(request, 'caseId', 40),
      };
      const errors: Errors = {
        channel: isOneOf(loggedChannels, values.channel) ? undefined : 'crm.contact.error-channel',
        reason: values.reason ? undefined : 'crm.contact.error-reason',
        outcome: isOneOf(outcomes, values.outcome) ? undefined : 'crm.contact.error-outcome',
        avoidable:
          !values.avoidable || values.avoidable === 'none' || isOneOf(avoidableTags, values.avoidable)
            ? undefined
            : 'crm.contact.error-avoidable',
      };
      const cases = await casesOf(db, tenantId, person.id);
      const linked = cases.find((c) => c.id === values.caseId);
      if (Object.values(errors).some(Boolean)) {
        const [entries, household, organisations] = await Promise.all([
          timeline(db, tenantId, { personId: person.id }),
          person.uprn ? peopleAt(db, tenantId, person.uprn) : Promise.resolve([]),
          organisationsOf(db, tenantId, person.id),
        ]);
        return reply.code(400).render(view('person'), {
          user: request.staffUser,
          person,
          entries,
          cases,
          household: household.filter((p) => p.id !== person.id),
          organisations,
          duplicates: [],
          channels,
          channel: '',
          ...contactFormContext(request, values, errors),
        });
      }
      await db.transaction(async (tx) => {
        await insertInteraction(tx, tenantId, {
          channel: values.channel as Channel,
          kind: 'contact',
          personId: person.id,
          caseId: linked?.id ?? null,
          uprn: person.uprn,
          staffId: request.staffUser!.id,
          summary: values.reason,
          reason: values.reason,
          outcome: values.outcome,
          avoidable: isOneOf(avoidableTags, values.avoidable) ? values.avoidable : null,
          note: values.note,
        });
        await recordAudit(tx, {
          tenantId,
          actor: actor(request),
          action: 'crm.contact.log',
          subject: { type: 'person', id: person.id },
          ip: request.ip,
          details: { channel: values.channel, outcome: values.outcome },
        });
      });
      return reply.redirect(`/staff/people/${person.id}?logged=1#timeline`, 303);
    });

    // A new person: found first by search; duplicates offered as soon as the record is made.
    const personForm = (
      request: FastifyRequest,
      reply: FastifyReply,
      values: Record<string, string> = {},
      errors: Errors = {},
      status = 200,
      action = '/staff/people',
    ) => {
      const e = errorsOf(errors, i18n.t(request.lang));
      return reply.code(status).render(view('person-form'), {
        user: request.staffUser,
        values,
        errors: e.messages,
        errorSummary: e.summary,
        action,
      });
    };

    const readPerson = (request: FastifyRequest) => {
      const values = {
        givenName: field(request, 'givenName', 100),
        familyName: field(request, 'familyName', 100),
        email: field(request, 'email', 254),
        phone: field(request, 'phone', 40),
        dobDay: field(request, 'dob-day', 2),
        dobMonth: field(request, 'dob-month', 2),
        dobYear: field(request, 'dob-year', 4),
        preferredLanguage: field(request, 'preferredLanguage', 2),
        preferredChannel: field(request, 'preferredChannel', 20),
        accessibilityNeeds: field(request, 'accessibilityNeeds', 1000),
      };
      let dateOfBirth: string | null = null;
      let dobError: string | undefined;
      if (values.dobDay || values.dobMonth || values.dobYear) {
        const [d, m, y] = [Number(values.dobDay), Number(values.dobMonth), Number(values.dobYear)];
        const date = new Date(Date.UTC(y, m - 1, d));
        if (!(y > 1900 && date.getUTCDate() === d && date.getUTCMonth() === m - 1 && date < now()))
          dobError = 'crm.person.error-dob';
        else dateOfBirth = date.toISOString().slice(0, 10);
      }
      const errors: Errors = {
        givenName: values.givenName || values.familyName ? undefined : 'crm.person.error-name',
        email: values.email && !normaliseEmail(values.email) ? 'crm.person.error-email' : undefined,
        phone: values.phone && !normalisePhone(values.phone) ? 'crm.person.error-phone' : undefined,
        'dob-day': dobError,
      };
      return { values, errors, dateOfBirth };
    };

    scope.get('/people/new', { config: { staff: 'contacts.handle' } }, (request, reply) => {
      const { q = '' } = request.query as { q?: string };
      const text = String(q).slice(0, 200).trim();
      const values: Record<string, string> = {};
      if (normaliseEmail(text)) values.email = text;
      else if (normalisePhone(text)) values.phone = text;
      else if (text) {
        const parts = text.split(/\s+/);
        values.familyName = parts.length > 1 ? (parts.pop() ?? '') : '';
        values.givenName = parts.join(' ');
      }
      return personForm(request, reply, values);
    });

    scope.post('/people', { config: { staff: 'contacts.handle' } }, async (request, reply) => {
      const { values, errors, dateOfBirth } = readPerson(request);
      if (Object.values(errors).some(Boolean)) return personForm(request, reply, values, errors, 400);
      const tenantId = request.tenant.id;
      const id = await db.transaction(async (tx) => {
        const personId = await insertPerson(tx, tenantId, {
          givenName: values.givenName,
          familyName: values.familyName,
          dateOfBirth,
          preferredLanguage: isOneOf(['en', 'cy'] as const, values.preferredLanguage)
            ? values.preferredLanguage
            : null,
          preferredChannel: isOneOf(['email', 'phone', 'letter', 'face-to-face'], values.preferredChannel)
            ? values.preferredChannel
            : null,
          accessibilityNeeds: values.accessibilityNeeds,
        });
        const email = normaliseEmail(values.email);
        const phone = normalisePhone(values.phone);
        if (email) await addEmail(tx, tenantId, personId, email, false);
        if (phone) await addPhone(tx, tenantId, personId, phone);
        await findDuplicatesOf(tx, tenantId, personId);
        await recordAudit(tx, {
          tenantId,
          actor: actor(request),
          action: 'crm.person.create',
          subject: { type: 'person', id: personId },
          ip: request.ip,
        });
        return personId;
      });
      return reply.redirect(`/staff/people/${id}`, 303);
    });

    scope.get('/people/:id/edit', { config: { staff: 'contacts.handle' } }, async (request, reply) => {
      const { id } = request.params as { id: string };
      const person = await findPerson(db, request.tenant.id, id);
      if (!person || person.mergedInto) throw notFound();
      const [y = '', m = '', d = ''] = person.dateOfBirth?.split('-') ?? [];
      return personForm(
        request,
        reply,
        {
          givenName: person.givenName,
          familyName: person.familyName,
          dobDay: d.replace(/^0/, ''),
          dobMonth: m.replace(/^0/, ''),
          dobYear: y,
          preferredLanguage: person.preferredLanguage ?? '',
          preferredChannel: person.preferredChannel ?? '',
          accessibilityNeeds: person.accessibilityNeeds,
        },
        {},
        200,
        `/staff/people/${person.id}/edit`,
      );
    });

    scope.post('/people/:id/edit', { config: { staff: 'contacts.handle' } }, async (request, reply) => {
      const { id } = request.params as { id: string };
      const tenantId = request.tenant.id;
      const person = await findPerson(db, tenantId, id);
      if (!person || person.mergedInto) throw notFound();
      const { values, errors, dateOfBirth } = readPerson(request);
      if (Object.values(errors).some(Boolean))
        return personForm(request, reply, values, errors, 400, `/staff/people/${person.id}/edit`);
      await db.transaction(async (tx) => {
        await updatePerson(tx, tenantId, person.id, {
          givenName: values.givenName,
          familyName: values.familyName,
          dateOfBirth,
          preferredLanguage: isOneOf(['en', 'cy'] as const, values.preferredLanguage)
            ? values.preferredLanguage
            : null,
          preferredChannel: isOneOf(['email', 'phone', 'letter', 'face-to-face'], values.preferredChannel)
            ? values.preferredChannel
            : null,
          accessibilityNeeds: values.accessibilityNeeds,
        });
        const email = normaliseEmail(values.email);
        const phone = normalisePhone(values.phone);
        if (email) await addEmail(tx, tenantId, person.id, email, false);
        if (phone) await addPhone(tx, tenantId, person.id, phone);
        await recordAudit(tx, {
          tenantId,
          actor: actor(request),
          action: 'crm.person.update',
          subject: { type: 'person', id: person.id },
          ip: request.ip,
        });
      });
      return reply.redirect(`/staff/people/${person.id}`, 303);
    });

    // The household: a property by UPRN, who lives there, its bin day, its timeline.
    scope.get('/properties/:uprn', { config: { staff: 'contacts.handle' } }, async (request, reply) => {
      const { uprn } = request.params as { uprn: string };
      const tenantId = request.tenant.id;
      const address = await findByUprn(db, tenantId, uprn);
      if (!address) throw notFound();
      await recordAudit(db, {
        tenantId,
        actor: actor(request),
        action: 'crm.property.view',
        subject: { type: 'property', id: address.uprn },
        reason: reasonOf(request),
        ip: request.ip,
      });
      const [people, entries, cases, binDay] = await Promise.all([
        peopleAt(db, tenantId, address.uprn),
        timeline(db, tenantId, { uprn: address.uprn }),
        casesAt(db, tenantId, address.uprn),
        binDayFor(db, tenants, request.tenant, address.uprn, now(), 14),
      ]);
      const bins = binFacts(binDay, request.lang, i18n.t(request.lang));
      return page(request, reply, 'property', { address, people, entries, cases, bins });
    });

    // Organisations and their contacts.
    const organisationForm = (
      request: FastifyRequest,
      reply: FastifyReply,
      values: Record<string, string> = {},
      errors: Errors = {},
      status = 200,
    ) => {
      const e = errorsOf(errors, i18n.t(request.lang));
      return reply.code(status).render(view('organisation-form'), {
        user: request.staffUser,
        values,
        kinds: organisationKinds,
        errors: e.messages,
        errorSummary: e.summary,
      });
    };

    scope.get('/organisations/new', { config: { staff: 'contacts.handle' } }, (request, reply) =>
      organisationForm(request, reply),
    );

    scope.post('/organisations', { config: { staff: 'contacts.handle' } }, async (request, reply) => {
      const values = {
        name: field(request, 'name', 200),
        kind: field(request, 'kind', 20),
        email: field(request, 'email', 254),
        phone: field(request, 'phone', 40),
      };
      const errors: Errors = {
        name: values.name ? undefined : 'crm.organisation.error-name',
        kind: isOneOf(organisationKinds, values.kind) ? undefined : 'crm.organisation.error-kind',
        email: values.email && !normaliseEmail(values.email) ? 'crm.person.error-email' : undefined,
        phone: values.phone && !normalisePhone(values.phone) ? 'crm.person.error-phone' : undefined,
      };
      if (Object.values(errors).some(Boolean)) return organisationForm(request, reply, values, errors, 400);
      const id = await db.transaction(async (tx) => {
        const orgId = await insertOrganisation(tx, request.tenant.id, {
          name: values.name,
          kind: values.kind,
          email: normaliseEmail(values.email) ?? null,
          phone: normalisePhone(values.phone) ?? null,
          uprn: null,
          address: null,
        });
        await recordAudit(tx, {
          tenantId: request.tenant.id,
          actor: actor(request),
          action: 'crm.organisation.create',
          subject: { type: 'organisation', id: orgId },
          ip: request.ip,
        });
        return orgId;
      });
      return reply.redirect(`/staff/organisations/${id}`, 303);
    });

    scope.get('/organisations/:id', { config: { staff: 'contacts.handle' } }, async (request, reply) => {
      const { id } = request.params as { id: string };
      const tenantId = request.tenant.id;
      const organisation = await findOrganisation(db, tenantId, id);
      if (!organisation) throw notFound();
      await recordAudit(db, {
        tenantId,
        actor: actor(request),
        action: 'crm.organisation.view',
        subject: { type: 'organisation', id: organisation.id },
        reason: reasonOf(request),
        ip: request.ip,
      });
      // Adding a contact: find the person first, with the one search box's forgiving match.
      const q = String((request.query as { q?: string }).q ?? '').slice(0, 200);
      const [contacts, entries, found] = await Promise.all([
        organisationContacts(db, tenantId, organisation.id),
        timeline(db, tenantId, { organisationId: organisation.id }),
        q.trim().length >= 2 ? search(db, tenantId, q) : Promise.resolve([]),
      ]);
      const people = found.flatMap((r) => (r.kind === 'person' ? [r.person] : [])).slice(0, 10);
      if (q.trim().length >= 2)
        await recordAudit(db, {
          tenantId,
          actor: actor(request),
          action: 'crm.search',
          subject: { type: 'person' },
          reason: 'organisation contact',
          ip: request.ip,
        });
      return page(request, reply, 'organisation', { organisation, contacts, entries, q, people });
    });

    scope.post(
      '/organisations/:id/contacts',
      { config: { staff: 'contacts.handle' } },
      async (request, reply) => {
        const { id } = request.params as { id: string };
        const tenantId = request.tenant.id;
        const organisation = await findOrganisation(db, tenantId, id);
        if (!organisation) throw notFound();
        const person = await findPerson(db, tenantId, field(request, 'personId', 40));
        if (!person) throw notFound();
        await db.transaction(async (tx) => {
          await addOrganisationContact(tx, tenantId, organisation.id, person.id, field(request, 'role', 100));
          await recordAudit(tx, {
            tenantId,
            actor: actor(request),
            action: 'crm.organisation.contact-add',
            subject: { type: 'organisation', id: organisation.id },
            ip: request.ip,
            details: { person: person.id },
          });
        });
        return reply.redirect(`/staff/organisations/${organisation.id}`, 303);
      },
    );
    // Assisted digital: any live form, run for the person, on the channel they came by.
    const assistPage = async (
      request: FastifyRequest,
      reply: FastifyReply,
      personId: string,
      values: Record<string, string> = {},
      errors: Errors = {},
      status = 200,
    ) => {
      const person = await findPerson(db, request.tenant.id, personId);
      if (!person || person.mergedInto) throw notFound();
      const forms = await listLiveForms(db, request.tenant.id, request.lang);
      const e = errorsOf(errors, i18n.t(request.lang));
      return reply.code(status).render(view('assist'), {
        user: request.staffUser,
        person,
        formItems: forms.map((f) => ({ value: f.slug, text: f.title, checked: values.form === f.slug })),
        channels: loggedChannels,
        values,
        errors: e.messages,
        errorSummary: e.summary,
      });
    };

    scope.get('/people/:id/assist', { config: { staff: 'contacts.handle' } }, (request, reply) =>
      assistPage(request, reply, (request.params as { id: string }).id),
    );

    scope.post('/people/:id/assist', { config: { staff: 'contacts.handle' } }, async (request, reply) => {
      const { id } = request.params as { id: string };
      const tenantId = request.tenant.id;
      const person = await findPerson(db, tenantId, id);
      if (!person || person.mergedInto) throw notFound();
      const values = { form: field(request, 'form', 100), channel: field(request, 'channel', 20) };
      const forms = await listLiveForms(db, tenantId, request.lang);
      const errors: Errors = {
        form: forms.some((f) => f.slug === values.form) ? undefined : 'crm.assist.error-form',
        channel: isOneOf(loggedChannels, values.channel) ? undefined : 'crm.contact.error-channel',
      };
      if (Object.values(errors).some(Boolean)) return assistPage(request, reply, id, values, errors, 400);
      const address = person.address;
      await startAssisted(
        request,
        {
          personId: person.id,
          staffId: request.staffUser!.id,
          tenantId,
          channel: values.channel as (typeof loggedChannels)[number],
          known: {
            ...(person.emails[0] ? { email: person.emails[0].email } : {}),
            ...(person.givenName ? { givenName: person.givenName } : {}),
            ...(person.familyName ? { familyName: person.familyName } : {}),
            ...(person.phones[0] ? { phone: person.phones[0] } : {}),
            ...(address?.line1 && address.town && address.postcode
              ? {
                  address: {
                    line1: address.line1,
                    town: address.town,
                    postcode: address.postcode,
                    ...(address.uprn ? { uprn: address.uprn } : {}),
                    ...(address.line2 ? { line2: address.line2 } : {}),
                  },
                }
              : {}),
          },
        },
        values.form,
      );
      await recordAudit(db, {
        tenantId,
        actor: actor(request),
        action: 'crm.assist.start',
        subject: { type: 'person', id: person.id },
        ip: request.ip,
        details: { form: values.form, channel: values.channel },
      });
      return reply.redirect(`/forms/${values.form}`, 303);
    });

    // Likely duplicates: the list, one pair's evidence field by field, merge and undo.
    scope.get('/duplicates', { config: { staff: 'contacts.handle' } }, async (request, reply) =>
      page(request, reply, 'duplicates', { candidates: await openCandidates(db, request.tenant.id) }),
    );

    const fieldValue = (p: NonNullable<Awaited<ReturnType<typeof findPerson>>>, f: string): string => {
      if (f === 'givenName') return p.givenName;
      if (f === 'familyName') return p.familyName;
      if (f === 'dateOfBirth') return p.dateOfBirth ?? '';
      if (f === 'email') return p.emails.map((e) => e.email).join(', ');
      if (f === 'phone') return p.phones.join(', ');
      if (f === 'address') return [p.address?.line1, p.address?.town].filter(Boolean).join(', ');
      if (f === 'postcode') return p.postcode ?? '';
      if (f === 'uprn') return p.uprn ?? '';
      if (f === 'property')
        return [p.address?.line1, p.address?.town, p.uprn ? `UPRN ${p.uprn}` : ''].filter(Boolean).join(', ');
      return '';
    };

    const reviewPage = async (request: FastifyRequest, reply: FastifyReply, error?: string) => {
      const { a, b } = request.params as { a: string; b: string };
      const tenantId = request.tenant.id;
      const [candidate, pa, pb] = await Promise.all([
        /^[0-9a-f-]{36}$/i.test(a) && /^[0-9a-f-]{36}$/i.test(b)
          ? findCandidate(db, tenantId, a, b)
          : undefined,
        findPerson(db, tenantId, a),
        findPerson(db, tenantId, b),
      ]);
      if (!candidate || !pa || !pb) throw notFound();
      await recordAudit(db, {
        tenantId,
        actor: actor(request),
        action: 'crm.duplicates.view',
        subject: { type: 'person', id: pa.id },
        reason: 'duplicates',
        ip: request.ip,
        details: { other: pb.id },
      });
      const [first, second] = candidate.personA === pa.id ? [pa, pb] : [pb, pa];
      const t = i18n.t(request.lang);
      return reply.code(error ? 400 : 200).render(view('duplicate'), {
        user: request.staffUser,
        candidate: {
          ...candidate,
          evidence: candidate.evidence.map((e) => ({
            ...e,
            a: fieldValue(first, e.field),
            b: fieldValue(second, e.field),
          })),
        },
        a: first,
        b: second,
        error: error ? { text: t(error) } : undefined,
        errorSummary: error ? [{ text: t(error), href: '#decision' }] : [],
      });
    };

    scope.get('/duplicates/:a/:b', { config: { staff: 'contacts.handle' } }, (request, reply) =>
      reviewPage(request, reply),
    );

    scope.post('/duplicates/:a/:b', { config: { staff: 'contacts.handle' } }, async (request, reply) => {
      const { a, b } = request.params as { a: string; b: string };
      const tenantId = request.tenant.id;
      const candidate =
        /^[0-9a-f-]{36}$/i.test(a) && /^[0-9a-f-]{36}$/i.test(b)
          ? await findCandidate(db, tenantId, a, b)
          : undefined;
      if (candidate?.status !== 'open') throw notFound();
      const decision = field(request, 'decision', 20);
      if (decision === 'not-duplicate') {
        await db.transaction(async (tx) => {
          await markCandidate(tx, tenantId, a, b, 'not-duplicate');
          await recordAudit(tx, {
            tenantId,
            actor: actor(request),
            action: 'crm.duplicates.dismiss',
            subject: { type: 'person', id: candidate.personA },
            ip: request.ip,
            details: { other: candidate.personB },
          });
        });
        return reply.redirect('/staff/duplicates', 303);
      }
      if (decision !== 'keep-a' && decision !== 'keep-b')
        return reviewPage(request, reply, 'crm.duplicates.error-decision');
      const [kept, merged] =
        decision === 'keep-a'
          ? [candidate.personA, candidate.personB]
          : [candidate.personB, candidate.personA];
      const mergeId = await mergePeople(db, tenantId, kept, merged, {
        id: request.staffUser!.id,
        ip: request.ip,
      });
      return page(request, reply, 'merged', { keptId: kept, mergeId });
    });

    scope.post('/merges/:id/undo', { config: { staff: 'contacts.handle' } }, async (request, reply) => {
      const { id } = request.params as { id: string };
      if (!/^\d{1,18}$/.test(id)) throw notFound();
      const undone = await undoMerge(db, request.tenant.id, id, {
        id: request.staffUser!.id,
        ip: request.ip,
      });
      if (!undone) throw notFound();
      return reply.redirect(`/staff/duplicates/${[undone.keptId, undone.mergedId].sort().join('/')}`, 303);
    });
  };
}
