/**
 * The service catalogue as staff edit it, at /staff/catalogue ('services.configure'):
 * services, topics, disruption notices and help articles, each text in English and Welsh
 * side by side, each item with an owner and a review date flagged once passed. Every action
 * is a plain form; bad input is shown in an error summary and changes nothing; every change
 * is audited with before and after, and empties the page cache so the public pages follow.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Services } from '../../app.ts';
import type { Queryable } from '../../db/database.ts';
import { recordAudit } from '../../platform/audit/audit.ts';
import { notFound } from '../../platform/errors/errors.ts';
import { type LocalText, localise } from '../../platform/i18n/local-text.ts';
import { differences, localText, slugify } from '../builder/edit.ts';
import { bodyOf } from '../builder/routes.ts';
import { liveFormSlugs } from '../forms/service.ts';
import { dateFrom, fromLondon, londonDate, londonParts } from './london-time.ts';
import {
  deleteArticle,
  deleteNotice,
  deleteService,
  deleteTopic,
  type EditableArticle,
  type EditableNotice,
  type EditableService,
  type EditableTopic,
  findAnyArticle,
  findAnyService,
  findNotice,
  insertService,
  listAllArticles,
  listAllNotices,
  listAllServices,
  listAllTopics,
  type Reviewed,
  saveArticle,
  saveNotice,
  saveTopic,
  serviceUse,
  topicUse,
  updateService,
} from './staff-store.ts';
import { type Channel, channels } from './store.ts';

const view = (name: string) => `modules/catalogue/views/staff/${name}.njk`;
const config = { staff: 'services.configure' as const };
type Body = Record<string, string | string[]>;
type Errors = Record<string, string>;

const one = (body: Body, name: string, max = 20000) => {
  const v = body[name];
  return (Array.isArray(v) ? (v[0] ?? '') : (v ?? '')).trim().slice(0, max);
};
const many = (body: Body, name: string) => {
  const v = body[name];
  return Array.isArray(v) ? v : v ? [v] : [];
};
const summaryOf = (errors: Errors) => Object.entries(errors).map(([id, text]) => ({ text, href: `#${id}` }));
const empty: LocalText = { en: '' };
/** Both inputs of a bilingual field, for a form shown again. */
const pair = (name: string, value: LocalText | undefined) => ({
  [`${name}En`]: value?.en ?? '',
  [`${name}Cy`]: value?.cy ?? '',
});
const dateFields = (name: string, iso: string | null) => {
  const [year = '', month = '', day = ''] = iso ? iso.split('-') : [];
  return { [`${name}-day`]: day, [`${name}-month`]: month, [`${name}-year`]: year };
};

export function catalogueStaffPages(
  services: Services & { staffNames: (tenantId: string) => Promise<Map<string, string>> },
) {
  const { db, i18n, pageCache, now } = services;

  return (scope: FastifyInstance) => {
    const t = (request: FastifyRequest) => i18n.t(request.lang);
    const lt = (request: FastifyRequest, value: LocalText | undefined) => localise(value, request.lang).text;
    const render = (
      request: FastifyRequest,
      reply: FastifyReply,
      name: string,
      context: object,
      errors: Errors = {},
    ) =>
      reply
        .code(Object.keys(errors).length ? 400 : 200)
        .render(view(name), { user: request.staffUser, errors, errorSummary: summaryOf(errors), ...context });
    /** Records a change and empties the council's cached pages, in the transaction that made it. */
    const changed = async (
      request: FastifyRequest,
      q: Queryable,
      type: string,
      id: string,
      action: 'changed' | 'removed',
      before: unknown,
      after: unknown,
    ) => {
      const changes = differences(before, after);
      if (!changes.length) return;
      await recordAudit(q, {
        tenantId: request.tenant.id,
        actor: { type: 'staff', id: request.staffUser!.id },
        action: `${type}.${action}`,
        subject: { type, id },
        ip: request.ip,
        details: { changes },
      });
    };
    const done = (request: FastifyRequest, reply: FastifyReply, to = '/staff/catalogue') => {
      pageCache.invalidate(request.tenant.id);
      return reply.redirect(to, 303);
    };

    /** Staff who may own an item, for the owner list. */
    const owners = async (request: FastifyRequest, selected: string) => {
      const names = await services.staffNames(request.tenant.id);
      return [
        { value: '', text: t(request)('catalogue-admin.owner-choose') },
        ...[...names].map(([id, name]) => ({ value: id, text: name, selected: id === selected })),
      ];
    };
    /** The owner and review date from a form, with their errors. */
    const reviewedFrom = async (request: FastifyRequest, body: Body, errors: Errors): Promise<Reviewed> => {
      const tr = t(request);
      const owner = one(body, 'owner', 60);
      const names = await services.staffNames(request.tenant.id);
      if (!names.has(owner)) errors.owner = tr('catalogue-admin.error-owner');
      const reviewOn = dateFrom(
        one(body, 'reviewOn-year'),
        one(body, 'reviewOn-month'),
        one(body, 'reviewOn-day'),
      );
      if (!reviewOn) errors['reviewOn-day'] = tr('catalogue-admin.error-review');
      return { owner, reviewOn: reviewOn ?? null };
    };
    const today = () => londonDate(now());
    const overdue = (item: Reviewed) => item.reviewOn !== null && item.reviewOn < today();

    // The catalogue: every item, and first the reviews that are overdue.
    scope.get('/catalogue', { config }, async (request, reply) => {
      const tenantId = request.tenant.id;
      const [list, topics, notices, articles, names] = await Promise.all([
        listAllServices(db, tenantId),
        listAllTopics(db, tenantId),
        listAllNotices(db, tenantId),
        listAllArticles(db, tenantId),
        services.staffNames(tenantId),
      ]);
      const at = now();
      const row = (item: Reviewed, title: string, href: string, kind: string) => ({
        title,
        href,
        kind,
        owner: names.get(item.owner) ?? '',
        reviewOn: item.reviewOn ?? '',
        overdue: overdue(item),
      });
      const serviceRows = list.map((s) => ({
        ...row(s, lt(request, s.name), `/staff/catalogue/services/${s.slug}`, 'service'),
        published: s.published,
      }));
      const noticeRows = notices.map((n) => ({
        ...row(n, lt(request, n.title), `/staff/catalogue/notices/${n.id}`, 'notice'),
        state: n.startsAt > at ? 'scheduled' : n.endsAt && n.endsAt <= at ? 'ended' : 'current',
        when: `${shownAt(n.startsAt)} – ${n.endsAt ? shownAt(n.endsAt) : t(request)('catalogue-admin.notice-open')}`,
      }));
      const articleRows = articles.map((a) => ({
        ...row(a, lt(request, a.title), `/staff/catalogue/help/${a.slug}`, 'help'),
        published: a.published,
      }));
      return render(request, reply, 'catalogue', {
        services: serviceRows,
        notices: noticeRows,
        articles: articleRows,
        topics: topics.map((x) => ({ ...x, nameText: lt(request, x.name) })),
        overdue: [...serviceRows, ...noticeRows, ...articleRows].filter((r) => r.overdue),
        saved: (request.query as { saved?: string }).saved === '1',
      });
    });

    // Services.
    const servicePage = async (
      request: FastifyRequest,
      reply: FastifyReply,
      existing: EditableService | undefined,
      values: Body,
      errors: Errors = {},
    ) => {
      const tenantId = request.tenant.id;
      const [topics, forms] = await Promise.all([listAllTopics(db, tenantId), liveFormSlugs(db, tenantId)]);
      const tr = t(request);
      return render(
        request,
        reply,
        'service',
        {
          existing,
          values,
          owners: await owners(request, one(values, 'owner')),
          topics: [
            { value: '', text: tr('catalogue-admin.topic-none') },
            ...topics.map((x) => ({
              value: x.slug,
              text: lt(request, x.name),
              selected: x.slug === values.topic,
            })),
          ],
          forms: forms.map((f) => ({
            value: f,
            text: `/forms/${f}`,
            selected: `form:${f}` === values.start,
          })),
          channels: channels.map((c) => ({
            value: c,
            text: tr(`catalogue-admin.channel.${c}`),
            checked: many(values, 'channels').includes(c),
          })),
        },
        errors,
      );
    };
    const serviceValues = (s: EditableService): Body => ({
      slug: s.slug,
      ...pair('name', s.name),
      ...pair('summary', s.summary),
      ...pair('description', s.description),
      ...pair('eligibility', s.eligibility),
      ...pair('cost', s.cost),
      ...pair('duration', s.duration),
      ...pair('nextSteps', s.nextSteps),
      startKind: s.startTarget ? (s.startTarget.startsWith('form:') ? 'form' : 'link') : 'none',
      start: s.startTarget?.startsWith('form:') ? s.startTarget : '',
      startLink: s.startTarget && !s.startTarget.startsWith('form:') ? s.startTarget : '',
      topic: s.topicSlug ?? '',
      keywords: s.keywords,
      channels: s.channels,
      published: s.published ? 'yes' : 'no',
      owner: s.owner,
      ...dateFields('reviewOn', s.reviewOn),
    });
    const serviceFrom = async (
      request: FastifyRequest,
      body: Body,
      slug: string,
      errors: Errors,
    ): Promise<EditableService> => {
      const tr = t(request);
      const tenantId = request.tenant.id;
      const text = (name: string, required = false, max = 5000) => {
        const value = localText(one(body, `${name}En`, max), one(body, `${name}Cy`, max));
        if (!value && required) errors[`${name}En`] = tr(`catalogue-admin.error-${name}`);
        return value ?? empty;
      };
      const name = text('name', true, 200);
      const summary = text('summary', true, 500);
      const description = text('description');
      const eligibility = text('eligibility');
      const cost = text('cost');
      const duration = text('duration');
      const nextSteps = text('nextSteps');
      let startTarget: string | null = null;
      const kind = one(body, 'startKind');
      if (kind === 'form') {
        const form = one(body, 'start').replace(/^form:/, '');
        if (!(await liveFormSlugs(db, tenantId)).includes(form))
          errors.start = tr('catalogue-admin.error-start-form');
        startTarget = `form:${form}`;
      } else if (kind === 'link') {
        const link = one(body, 'startLink', 2000);
        if (!/^(https:\/\/[^\s]+|\/[^\s/][^\s]*)$/.test(link))
          errors.startLink = tr('catalogue-admin.error-start-link');
        startTarget = link;
      }
      const topic = one(body, 'topic');
      const topics = await listAllTopics(db, tenantId);
      if (topic && !topics.some((x) => x.slug === topic)) errors.topic = tr('catalogue-admin.error-topic');
      const chosen = many(body, 'channels').filter((c): c is Channel =>
        (channels as readonly string[]).includes(c),
      );
      if (!chosen.length) errors.channels = tr('catalogue-admin.error-channels');
      const reviewed = await reviewedFrom(request, body, errors);
      return {
        slug,
        name,
        summary,
        description,
        eligibility,
        cost,
        duration,
        nextSteps,
        startTarget,
        topicSlug: topic || null,
        keywords: one(body, 'keywords', 1000).replace(/\s+/g, ' '),
        channels: chosen,
        published: one(body, 'published') === 'yes',
        ...reviewed,
      };
    };
    scope.get('/catalogue/services/new', { config }, async (request, reply) =>
      servicePage(request, reply, undefined, { channels: ['web'], published: 'no', startKind: 'none' }),
    );
    scope.post('/catalogue/services/new', { config }, async (request, reply) => {
      const body = bodyOf(request);
      const errors: Errors = {};
      const slug = slugify(one(body, 'slug', 80) || one(body, 'nameEn', 80));
      if (!slug) errors.slug = t(request)('catalogue-admin.error-slug');
      const service = await serviceFrom(request, body, slug, errors);
      if (Object.keys(errors).length) return servicePage(request, reply, undefined, body, errors);
      const added = await db.transaction(async (tx) => {
        if (!(await insertService(tx, request.tenant.id, service))) return false;
        await changed(request, tx, 'service', slug, 'changed', undefined, service);
        return true;
      });
      if (!added)
        return servicePage(request, reply, undefined, body, {
          slug: t(request)('catalogue-admin.error-slug-taken', { slug }),
        });
      return done(request, reply, '/staff/catalogue?saved=1');
    });
    const loadService = async (request: FastifyRequest) => {
      const { slug } = request.params as { slug: string };
      const service = await findAnyService(db, request.tenant.id, slug);
      if (!service) throw notFound();
      return service;
    };
    scope.get('/catalogue/services/:slug', { config }, async (request, reply) => {
      const service = await loadService(request);
      return servicePage(request, reply, service, serviceValues(service));
    });
    scope.post('/catalogue/services/:slug', { config }, async (request, reply) => {
      const existing = await loadService(request);
      const body = bodyOf(request);
      const errors: Errors = {};
      const service = await serviceFrom(request, body, existing.slug, errors);
      if (Object.keys(errors).length) return servicePage(request, reply, existing, body, errors);
      await db.transaction(async (tx) => {
        const before = await findAnyService(tx, request.tenant.id, existing.slug, true);
        if (!before) throw notFound();
        await updateService(tx, request.tenant.id, service);
        await changed(request, tx, 'service', service.slug, 'changed', before, service);
      });
      return done(request, reply, '/staff/catalogue?saved=1');
    });
    // A service that cases or answers name is needed: it is unpublished instead, never deleted.
    scope.post('/catalogue/services/:slug/delete', { config }, async (request, reply) => {
      const existing = await loadService(request);
      const uses = await serviceUse(db, request.tenant.id, existing.slug);
      if (uses > 0)
        return servicePage(request, reply, existing, serviceValues(existing), {
          delete: t(request)('catalogue-admin.error-service-in-use', { count: uses }),
        });
      await db.transaction(async (tx) => {
        await deleteService(tx, request.tenant.id, existing.slug);
        await changed(request, tx, 'service', existing.slug, 'removed', existing, undefined);
      });
      return done(request, reply);
    });

    // Topics.
    const topicPage = (
      request: FastifyRequest,
      reply: FastifyReply,
      existing: EditableTopic | undefined,
      values: Body,
      errors: Errors = {},
    ) => render(request, reply, 'topic', { existing, values }, errors);
    const topicFrom = (request: FastifyRequest, body: Body, slug: string, errors: Errors): EditableTopic => {
      const tr = t(request);
      const name = localText(one(body, 'nameEn', 200), one(body, 'nameCy', 200));
      if (!name) errors.nameEn = tr('catalogue-admin.error-name');
      const summary = localText(one(body, 'summaryEn', 500), one(body, 'summaryCy', 500));
      if (!summary) errors.summaryEn = tr('catalogue-admin.error-summary');
      const position = Number(one(body, 'position') || '0');
      if (!Number.isInteger(position) || position < 0 || position > 1000)
        errors.position = tr('catalogue-admin.error-position');
      return { slug, name: name ?? empty, summary: summary ?? empty, position };
    };
    scope.get('/catalogue/topics/new', { config }, async (request, reply) =>
      topicPage(request, reply, undefined, { position: '0' }),
    );
    scope.post('/catalogue/topics/new', { config }, async (request, reply) => {
      const body = bodyOf(request);
      const errors: Errors = {};
      const slug = slugify(one(body, 'slug', 80) || one(body, 'nameEn', 80));
      if (!slug) errors.slug = t(request)('catalogue-admin.error-slug');
      const topic = topicFrom(request, body, slug, errors);
      const taken = (await listAllTopics(db, request.tenant.id)).some((x) => x.slug === slug);
      if (slug && taken) errors.slug = t(request)('catalogue-admin.error-slug-taken', { slug });
      if (Object.keys(errors).length) return topicPage(request, reply, undefined, body, errors);
      await db.transaction(async (tx) => {
        await saveTopic(tx, request.tenant.id, topic);
        await changed(request, tx, 'topic', slug, 'changed', undefined, topic);
      });
      return done(request, reply, '/staff/catalogue?saved=1');
    });
    const loadTopic = async (request: FastifyRequest, q: Queryable = db) => {
      const { slug } = request.params as { slug: string };
      const topic = (await listAllTopics(q, request.tenant.id)).find((x) => x.slug === slug);
      if (!topic) throw notFound();
      return topic;
    };
    scope.get('/catalogue/topics/:slug', { config }, async (request, reply) => {
      const topic = await loadTopic(request);
      return topicPage(request, reply, topic, {
        ...pair('name', topic.name),
        ...pair('summary', topic.summary),
        position: String(topic.position),
      });
    });
    scope.post('/catalogue/topics/:slug', { config }, async (request, reply) => {
      const existing = await loadTopic(request);
      const body = bodyOf(request);
      const errors: Errors = {};
      const topic = topicFrom(request, body, existing.slug, errors);
      if (Object.keys(errors).length) return topicPage(request, reply, existing, body, errors);
      await db.transaction(async (tx) => {
        const before = await loadTopic(request, tx);
        await saveTopic(tx, request.tenant.id, topic);
        await changed(request, tx, 'topic', topic.slug, 'changed', before, topic);
      });
      return done(request, reply, '/staff/catalogue?saved=1');
    });
    scope.post('/catalogue/topics/:slug/delete', { config }, async (request, reply) => {
      const existing = await loadTopic(request);
      const uses = await topicUse(db, request.tenant.id, existing.slug);
      if (uses > 0)
        return topicPage(
          request,
          reply,
          existing,
          {
            ...pair('name', existing.name),
            ...pair('summary', existing.summary),
            position: String(existing.position),
          },
          { delete: t(request)('catalogue-admin.error-topic-in-use', { count: uses }) },
        );
      await db.transaction(async (tx) => {
        await deleteTopic(tx, request.tenant.id, existing.slug);
        await changed(request, tx, 'topic', existing.slug, 'removed', existing, undefined);
      });
      return done(request, reply);
    });

    // Disruption notices: shown on the home page (no service) or one service's page, from
    // their start until their end, both typed in London time.
    const noticePage = async (
      request: FastifyRequest,
      reply: FastifyReply,
      existing: EditableNotice | undefined,
      values: Body,
      errors: Errors = {},
    ) => {
      const list = await listAllServices(db, request.tenant.id);
      return render(
        request,
        reply,
        'notice',
        {
          existing,
          values,
          owners: await owners(request, one(values, 'owner')),
          services: [
            { value: '', text: t(request)('catalogue-admin.notice-whole-site') },
            ...list.map((s) => ({
              value: s.slug,
              text: lt(request, s.name),
              selected: s.slug === values.service,
            })),
          ],
        },
        errors,
      );
    };
    const instantFields = (name: string, at: Date | null) => {
      if (!at)
        return { [`${name}-day`]: '', [`${name}-month`]: '', [`${name}-year`]: '', [`${name}Time`]: '' };
      const p = londonParts(at);
      return {
        [`${name}-day`]: p.day,
        [`${name}-month`]: p.month,
        [`${name}-year`]: p.year,
        [`${name}Time`]: p.time,
      };
    };
    const instantFrom = (body: Body, name: string) =>
      fromLondon(
        Number(one(body, `${name}-year`)),
        Number(one(body, `${name}-month`)),
        Number(one(body, `${name}-day`)),
        one(body, `${name}Time`) || '00:00',
      );
    const noticeFrom = async (request: FastifyRequest, body: Body, errors: Errors) => {
      const tr = t(request);
      const title = localText(one(body, 'titleEn', 200), one(body, 'titleCy', 200));
      if (!title) errors.titleEn = tr('catalogue-admin.error-title');
      const text = localText(one(body, 'bodyEn', 2000), one(body, 'bodyCy', 2000));
      if (!text) errors.bodyEn = tr('catalogue-admin.error-body');
      const service = one(body, 'service');
      if (service && !(await findAnyService(db, request.tenant.id, service)))
        errors.service = tr('catalogue-admin.error-service');
      const startsAt = instantFrom(body, 'startsAt');
      if (!startsAt) errors['startsAt-day'] = tr('catalogue-admin.error-starts');
      const endGiven = ['endsAt-day', 'endsAt-month', 'endsAt-year', 'endsAtTime'].some((f) => one(body, f));
      const endsAt = endGiven ? instantFrom(body, 'endsAt') : null;
      if (endsAt === undefined) errors['endsAt-day'] = tr('catalogue-admin.error-ends');
      else if (endsAt && startsAt && endsAt <= startsAt)
        errors['endsAt-day'] = tr('catalogue-admin.error-ends-before');
      const reviewed = await reviewedFrom(request, body, errors);
      return {
        serviceSlug: service || null,
        title: title ?? empty,
        body: text ?? empty,
        startsAt: startsAt ?? new Date(0),
        endsAt: endsAt ?? null,
        ...reviewed,
      };
    };
    const noticeValues = (n: EditableNotice): Body => ({
      service: n.serviceSlug ?? '',
      ...pair('title', n.title),
      ...pair('body', n.body),
      ...instantFields('startsAt', n.startsAt),
      ...instantFields('endsAt', n.endsAt),
      owner: n.owner,
      ...dateFields('reviewOn', n.reviewOn),
    });
    /** Instants compared as instants in the audit, not as whatever a driver returns. */
    const auditable = (n: Omit<EditableNotice, 'id'>) => ({
      ...n,
      startsAt: n.startsAt.toISOString(),
      endsAt: n.endsAt ? n.endsAt.toISOString() : null,
    });
    scope.get('/catalogue/notices/new', { config }, async (request, reply) => {
      const service = (request.query as { service?: string }).service ?? '';
      return noticePage(request, reply, undefined, { ...instantFields('startsAt', now()), service });
    });
    scope.post('/catalogue/notices/new', { config }, async (request, reply) => {
      const body = bodyOf(request);
      const errors: Errors = {};
      const notice = await noticeFrom(request, body, errors);
      if (Object.keys(errors).length) return noticePage(request, reply, undefined, body, errors);
      await db.transaction(async (tx) => {
        const id = await saveNotice(tx, request.tenant.id, notice);
        await changed(request, tx, 'notice', id, 'changed', undefined, auditable(notice));
      });
      return done(request, reply, '/staff/catalogue?saved=1');
    });
    const loadNotice = async (request: FastifyRequest) => {
      const { id } = request.params as { id: string };
      const notice = await findNotice(db, request.tenant.id, id);
      if (!notice) throw notFound();
      return notice;
    };
    scope.get('/catalogue/notices/:id', { config }, async (request, reply) => {
      const notice = await loadNotice(request);
      return noticePage(request, reply, notice, noticeValues(notice));
    });
    scope.post('/catalogue/notices/:id', { config }, async (request, reply) => {
      const existing = await loadNotice(request);
      const body = bodyOf(request);
      const errors: Errors = {};
      const notice = await noticeFrom(request, body, errors);
      if (Object.keys(errors).length) return noticePage(request, reply, existing, body, errors);
      await db.transaction(async (tx) => {
        await saveNotice(tx, request.tenant.id, { ...notice, id: existing.id });
        const { id: _, ...before } = existing;
        await changed(request, tx, 'notice', existing.id, 'changed', auditable(before), auditable(notice));
      });
      return done(request, reply, '/staff/catalogue?saved=1');
    });
    scope.post('/catalogue/notices/:id/delete', { config }, async (request, reply) => {
      const existing = await loadNotice(request);
      await db.transaction(async (tx) => {
        await deleteNotice(tx, request.tenant.id, existing.id);
        const { id: _, ...before } = existing;
        await changed(request, tx, 'notice', existing.id, 'removed', auditable(before), undefined);
      });
      return done(request, reply);
    });

    // Help articles.
    const articlePage = async (
      request: FastifyRequest,
      reply: FastifyReply,
      existing: EditableArticle | undefined,
      values: Body,
      errors: Errors = {},
    ) => {
      const topics = await listAllTopics(db, request.tenant.id);
      return render(
        request,
        reply,
        'article',
        {
          existing,
          values,
          owners: await owners(request, one(values, 'owner')),
          topics: [
            { value: '', text: t(request)('catalogue-admin.topic-none') },
            ...topics.map((x) => ({
              value: x.slug,
              text: lt(request, x.name),
              selected: x.slug === values.topic,
            })),
          ],
        },
        errors,
      );
    };
    const articleFrom = async (
      request: FastifyRequest,
      body: Body,
      slug: string,
      errors: Errors,
    ): Promise<EditableArticle> => {
      const tr = t(request);
      const title = localText(one(body, 'titleEn', 200), one(body, 'titleCy', 200));
      if (!title) errors.titleEn = tr('catalogue-admin.error-title');
      const summary = localText(one(body, 'summaryEn', 500), one(body, 'summaryCy', 500));
      if (!summary) errors.summaryEn = tr('catalogue-admin.error-summary');
      const text = localText(one(body, 'bodyEn'), one(body, 'bodyCy'));
      if (!text) errors.bodyEn = tr('catalogue-admin.error-body');
      const topic = one(body, 'topic');
      if (topic && !(await listAllTopics(db, request.tenant.id)).some((x) => x.slug === topic))
        errors.topic = tr('catalogue-admin.error-topic');
      const reviewed = await reviewedFrom(request, body, errors);
      return {
        slug,
        title: title ?? empty,
        summary: summary ?? empty,
        body: text ?? empty,
        keywords: one(body, 'keywords', 1000).replace(/\s+/g, ' '),
        topicSlug: topic || null,
        published: one(body, 'published') === 'yes',
        ...reviewed,
      };
    };
    scope.get('/catalogue/help/new', { config }, async (request, reply) =>
      articlePage(request, reply, undefined, { published: 'no' }),
    );
    scope.post('/catalogue/help/new', { config }, async (request, reply) => {
      const body = bodyOf(request);
      const errors: Errors = {};
      const slug = slugify(one(body, 'slug', 80) || one(body, 'titleEn', 80));
      if (!slug) errors.slug = t(request)('catalogue-admin.error-slug');
      else if (await findAnyArticle(db, request.tenant.id, slug))
        errors.slug = t(request)('catalogue-admin.error-slug-taken', { slug });
      const article = await articleFrom(request, body, slug, errors);
      if (Object.keys(errors).length) return articlePage(request, reply, undefined, body, errors);
      await db.transaction(async (tx) => {
        await saveArticle(tx, request.tenant.id, article);
        await changed(request, tx, 'help-article', slug, 'changed', undefined, article);
      });
      return done(request, reply, '/staff/catalogue?saved=1');
    });
    const loadArticle = async (request: FastifyRequest) => {
      const { slug } = request.params as { slug: string };
      const article = await findAnyArticle(db, request.tenant.id, slug);
      if (!article) throw notFound();
      return article;
    };
    const articleValues = (a: EditableArticle): Body => ({
      ...pair('title', a.title),
      ...pair('summary', a.summary),
      ...pair('body', a.body),
      keywords: a.keywords,
      topic: a.topicSlug ?? '',
      published: a.published ? 'yes' : 'no',
      owner: a.owner,
      ...dateFields('reviewOn', a.reviewOn),
    });
    scope.get('/catalogue/help/:slug', { config }, async (request, reply) => {
      const article = await loadArticle(request);
      return articlePage(request, reply, article, articleValues(article));
    });
    scope.post('/catalogue/help/:slug', { config }, async (request, reply) => {
      const existing = await loadArticle(request);
      const body = bodyOf(request);
      const errors: Errors = {};
      const article = await articleFrom(request, body, existing.slug, errors);
      if (Object.keys(errors).length) return articlePage(request, reply, existing, body, errors);
      await db.transaction(async (tx) => {
        await saveArticle(tx, request.tenant.id, article);
        await changed(request, tx, 'help-article', existing.slug, 'changed', existing, article);
      });
      return done(request, reply, '/staff/catalogue?saved=1');
    });
    scope.post('/catalogue/help/:slug/delete', { config }, async (request, reply) => {
      const existing = await loadArticle(request);
      await db.transaction(async (tx) => {
        await deleteArticle(tx, request.tenant.id, existing.slug);
        await changed(request, tx, 'help-article', existing.slug, 'removed', existing, undefined);
      });
      return done(request, reply);
    });
  };
}

/** An instant as London reads it, for staff lists. */
function shownAt(at: Date): string {
  const p = londonParts(at);
  return `${p.day}/${p.month}/${p.year} ${p.time}`;
}
