import { randomUUID } from 'node:crypto';
import { createRequire } from 'node:module';
import path from 'node:path';
import fastifyStatic from '@fastify/static';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Services } from '../../app.ts';
import { publicOrigin } from '../../config.ts';
import { notFound } from '../../platform/errors/errors.ts';
import { type Address, findByUprn, searchAddresses } from '../../platform/gazetteer/store.ts';
import { localise } from '../../platform/i18n/local-text.ts';
import { parseReference } from '../../platform/references/reference.ts';
import { rateLimits } from '../../platform/security/rate-limit.ts';
import type { Tenant } from '../../platform/tenancy/tenant.ts';
import {
  type FileAnswer,
  messageText,
  normaliseEmail,
  normalisePhone,
  normalisePostcode,
  type Page,
  parsePage,
  type RawBody,
} from '../forms/engine/index.ts';
import { questionView } from '../forms/question-view.ts';
import { loadDefinition } from '../forms/service.ts';
import { AreaService } from './area.ts';
import { registerOpen311 } from './open311/server.ts';
import { maxPhotos, type ProcessedPhoto, processPhoto } from './photos.ts';
import { createReport, followLink, followTokenValid, type ReportDeps } from './service.ts';
import {
  addFollower,
  type Category,
  findCategory,
  findPhoto,
  findReport,
  findReportByCase,
  listPhotos,
  listUpdates,
  openStatuses,
  setFollower,
} from './store.ts';

const views = 'modules/reports/views';
const require = createRequire(import.meta.url);
const nearMetres = 50;
const pageSize = 20;

const addressText = (a: Address) => [a.line1, a.line2, a.town, a.postcode].filter(Boolean).join(', ');

/** Where the report is: a UPRN from the gazetteer, or coordinates (map, "use my location"). */
interface Place {
  lat: number;
  lng: number;
  uprn: string | null;
  addressText: string;
}

export function createReportDeps(services: Services): ReportDeps {
  return {
    db: services.db,
    files: services.files,
    mailer: services.mailer,
    signer: services.signer,
    i18n: services.i18n,
    area: new AreaService(services.db, services.tenants),
    config: services.config,
    now: services.now,
  };
}

export function registerReports(app: FastifyInstance, services: Services): void {
  const { db, i18n, config, files, signer } = services;
  const deps = createReportDeps(services);
  const { area } = deps;
  registerOpen311(app, { ...deps, demo: config.demo });
  // Leaflet and the map script, served from here (never a CDN), for pages with a map.
  void app.register(fastifyStatic, {
    root: path.join(path.dirname(require.resolve('leaflet/package.json')), 'dist'),
    prefix: '/assets/leaflet/',
    decorateReply: false,
    maxAge: '365d',
    index: false,
    allowedPath: (p) => p === '/leaflet-src.esm.js' || p === '/leaflet.css' || p.startsWith('/images/'),
  });
  void app.register(fastifyStatic, {
    root: path.join(import.meta.dirname, 'assets'),
    prefix: '/assets/reports/',
    decorateReply: false,
    maxAge: '1h',
    index: false,
  });
  const mapTiles = config.mapTileUrl;

  /** The place named by the query: a UPRN from this council's gazetteer, or lat and lng. */
  async function placeFrom(request: FastifyRequest): Promise<Place | undefined> {
    const q = request.query as Record<string, string | undefined>;
    if (q.uprn) {
      const a = await findByUprn(db, request.tenant.id, q.uprn);
      return a ? { lat: a.lat, lng: a.lng, uprn: a.uprn, addressText: addressText(a) } : undefined;
    }
    const lat = Number(q.lat);
    const lng = Number(q.lng);
    if (
      q.lat &&
      q.lng &&
      Number.isFinite(lat) &&
      Number.isFinite(lng) &&
      Math.abs(lat) <= 90 &&
      Math.abs(lng) <= 180
    )
      return { lat, lng, uprn: null, addressText: `${lat.toFixed(5)}, ${lng.toFixed(5)}` };
    return undefined;
  }

  const placeQuery = (p: Place) =>
    p.uprn ? `uprn=${encodeURIComponent(p.uprn)}` : `lat=${p.lat.toFixed(6)}&lng=${p.lng.toFixed(6)}`;

  const reportUrl = (request: FastifyRequest, council: Tenant, reference: string) =>
    council.id === request.tenant.id
      ? `/reports/${reference}`
      : `${publicOrigin(config, council.slug)}/reports/${reference}`;

  // 1. Where is the problem?
  app.get('/report', async (request, reply) => {
    const t = i18n.t(request.lang);
    const q = (request.query as { q?: string }).q;
    if (q === undefined) return reply.render(`${views}/where.njk`, { value: '', mapTiles });
    const text = q.trim().slice(0, 200);
    const error = (key: string) =>
      reply.render(`${views}/where.njk`, {
        value: text,
        mapTiles,
        error: { text: t(key) },
        errorSummary: [{ text: t(key), href: '#q' }],
      });
    if (!text) return error('reports.where.error-empty');
    const found = await searchAddresses(db, request.tenant.id, text, 50);
    if (!found.length) return error('reports.where.error-none');
    return reply.render(`${views}/pick-address.njk`, {
      value: text,
      addresses: found.map((a) => ({ value: a.uprn, text: addressText(a) })),
      backLink: '/report',
    });
  });

  // 2. What is the problem? (the categories of every council covering the place)
  app.get('/report/category', async (request, reply) => {
    const t = i18n.t(request.lang);
    const place = await placeFrom(request);
    if (!place) {
      return reply.render(`${views}/where.njk`, {
        value: '',
        mapTiles,
        error: { text: t('reports.where.error-pick') },
        errorSummary: [{ text: t('reports.where.error-pick'), href: '#q' }],
      });
    }
    const offered = await area.categoriesAt(place);
    if (!offered.length) return reply.code(422).render(`${views}/outside.njk`, { place });
    const picked = (request.query as { category?: string }).category;
    const invalid = (request.query as { error?: string }).error === 'category';
    return reply.render(`${views}/category.njk`, {
      place,
      placeFields: place.uprn
        ? [{ name: 'uprn', value: place.uprn }]
        : [
            { name: 'lat', value: place.lat.toFixed(6) },
            { name: 'lng', value: place.lng.toFixed(6) },
          ],
      items: offered.map(({ category }) => ({
        value: category.code,
        text: localise(category.name, request.lang).text,
        hint: { text: localise(category.description, request.lang).text },
        checked: picked === category.code,
      })),
      error: invalid ? { text: t('reports.category.error') } : undefined,
      errorSummary: invalid ? [{ text: t('reports.category.error'), href: '#category' }] : undefined,
      backLink: '/report',
    });
  });

  async function detailsContext(request: FastifyRequest, place: Place, code: string) {
    const responsible = await area.responsibleFor(place, code);
    if (!responsible) return undefined;
    const { council, category } = responsible;
    // Open reports of the same category within 50 m, nearest first: follow one instead.
    const nearby = (await area.reportsNear(place, nearMetres, { category: code, open: true, limit: 10 })).map(
      (r) => ({
        ...r,
        distance: Math.round(r.distanceM),
        href: reportUrl(request, r.council, r.reference),
      }),
    );
    const extra = category.formSlug ? await loadDefinition(db, council.id, category.formSlug) : undefined;
    const page = extra?.definition.pages.find((p) => p.kind === 'question');
    return { council, category, nearby, extra, page };
  }

  function extraQuestions(
    request: FastifyRequest,
    page: Page | undefined,
    errors: import('../forms/engine/index.ts').FieldError[] = [],
    values?: Record<string, string | string[]>,
  ) {
    if (!page) return [];
    const t = i18n.t(request.lang);
    return page.questions.map((q) =>
      questionView(q, { lang: request.lang, t, isPageHeading: false, errors, values, answer: undefined }),
    );
  }

  // 3. Tell us about it (with reports already made nearby shown first).
  app.get('/report/details', async (request, reply) => {
    const place = await placeFrom(request);
    const code = (request.query as { category?: string }).category ?? '';
    if (!place) return reply.redirect('/report', 303);
    const ctx = await detailsContext(request, place, code);
    if (!ctx) return reply.redirect(`/report/category?${placeQuery(place)}&error=category`, 303);
    return renderDetails(request, reply, place, ctx, {}, []);
  });

  function renderDetails(
    request: FastifyRequest,
    reply: FastifyReply,
    place: Place,
    ctx: NonNullable<Awaited<ReturnType<typeof detailsContext>>>,
    values: Record<string, string>,
    errorList: { text: string; href: string }[],
    extraErrors: import('../forms/engine/index.ts').FieldError[] = [],
    extraValues?: Record<string, string | string[]>,
  ) {
    const byField = Object.fromEntries(errorList.map((e) => [e.href.slice(1), { text: e.text }]));
    return reply.code(errorList.length ? 400 : 200).render(`${views}/details.njk`, {
      place,
      placeFields: place.uprn
        ? [{ name: 'uprn', value: place.uprn }]
        : [
            { name: 'lat', value: place.lat.toFixed(6) },
            { name: 'lng', value: place.lng.toFixed(6) },
          ],
      category: ctx.category,
      categoryName: localise(ctx.category.name, request.lang).text,
      council: localise(ctx.council.name, request.lang).text,
      nearby: ctx.nearby,
      questions: extraQuestions(request, ctx.page, extraErrors, extraValues),
      values,
      errors: byField,
      errorSummary: errorList.length ? errorList : undefined,
      maxPhotos,
      mapTiles,
      backLink: `/report/category?${placeQuery(place)}&category=${encodeURIComponent(ctx.category.code)}`,
    });
  }

  app.post('/report/details', { config: { rateLimit: rateLimits.publicPost } }, async (request, reply) => {
    const t = i18n.t(request.lang);
    const { body, uploads } = await readMultipart(request);
    const one = (k: string) => {
      const v = body[k];
      return (Array.isArray(v) ? v[0] : v)?.trim() ?? '';
    };
    const query = {
      uprn: one('uprn') || undefined,
      lat: one('lat') || undefined,
      lng: one('lng') || undefined,
    };
    (request as { query: unknown }).query = query;
    const place = await placeFrom(request);
    if (!place) return reply.redirect('/report', 303);
    const ctx = await detailsContext(request, place, one('category'));
    if (!ctx) return reply.redirect(`/report/category?${placeQuery(place)}&error=category`, 303);

    const values = {
      title: one('title').slice(0, 200),
      description: one('description').slice(0, 5000),
      name: one('name').slice(0, 200),
      email: one('email').slice(0, 254),
      phone: one('phone').slice(0, 40),
      hideName: one('hideName') === 'yes' ? 'yes' : '',
    };
    const errors: { text: string; href: string }[] = [];
    const need = (ok: boolean, field: string, key: string) => {
      if (!ok) errors.push({ text: t(key), href: `#${field}` });
    };
    need(values.title !== '', 'title', 'reports.details.error-title');
    need(values.description !== '', 'description', 'reports.details.error-description');
    need(values.name !== '', 'name', 'reports.details.error-name');
    const email = values.email ? normaliseEmail(values.email) : undefined;
    need(values.email !== '', 'email', 'reports.details.error-email');
    if (values.email) need(!!email, 'email', 'reports.details.error-email-format');
    const phone = values.phone ? normalisePhone(values.phone) : undefined;
    if (values.phone) need(!!phone, 'phone', 'reports.details.error-phone');

    // The category's extra questions: the form engine parses and checks them.
    let extra: Record<string, unknown> = {};
    let extraErrors: import('../forms/engine/index.ts').FieldError[] = [];
    let extraValues: Record<string, string | string[]> | undefined;
    if (ctx.page && ctx.extra) {
      const raw: RawBody = {};
      for (const q of ctx.page.questions) if (body[q.id] !== undefined) raw[q.id] = body[q.id];
      const parsed = parsePage(ctx.extra.definition, ctx.page, raw, {} as Record<string, FileAnswer[]>);
      if (parsed.kind === 'crafted') throw notFound();
      extra = parsed.answers;
      extraErrors = parsed.errors;
      extraValues = parsed.values;
      for (const e of parsed.errors)
        errors.push({ text: messageText(e.message, request.lang, t), href: e.href });
    }

    const photos: ProcessedPhoto[] = [];
    const given = (uploads.photos ?? []).filter((u) => u.length > 0);
    if (given.length > maxPhotos)
      errors.push({ text: t('reports.details.error-photo-count', { max: maxPhotos }), href: '#photos' });
    else {
      for (const bytes of given) {
        const out = await processPhoto(bytes);
        if ('problem' in out) {
          errors.push({ text: t(`reports.details.error-photo-${out.problem}`), href: '#photos' });
          break;
        }
        photos.push(out);
      }
    }
    if (errors.length)
      return renderDetails(request, reply, place, ctx, values, errors, extraErrors, extraValues);

    const result = await createReport(deps, {
      madeOn: request.tenant,
      place,
      category: ctx.category.code,
      title: values.title,
      description: values.description,
      name: values.name,
      email: email ?? null,
      phone: phone ?? null,
      hideName: values.hideName === 'yes',
      extra,
      photos,
      channel: 'web',
      lang: request.lang,
    });
    if (result.kind !== 'created' && result.kind !== 'existing')
      return reply.redirect(`/report/category?${placeQuery(place)}&error=category`, 303);
    const sent = new URLSearchParams({ reference: result.report.reference, council: result.council.slug });
    return reply.redirect(`/report/sent?${sent}`, 303);
  });

  app.get('/report/sent', async (request, reply) => {
    const q = request.query as { reference?: string; council?: string };
    const council = q.council ? services.tenants.bySlug(q.council) : undefined;
    const parsed = q.reference ? parseReference(q.reference) : undefined;
    if (!council || !parsed || parsed.formatted.slice(0, council.prefix.length) !== council.prefix)
      throw notFound();
    return reply.render(`${views}/sent.njk`, {
      reference: parsed.formatted,
      council: localise(council.name, request.lang).text,
      other: council.id !== request.tenant.id,
      href: reportUrl(request, council, parsed.formatted),
    });
  });

  // --- A report's page, its photos, following it ---
  app.get('/reports/:reference', async (request, reply) => {
    const { reference } = request.params as { reference: string };
    const parsed = parseReference(reference);
    if (!parsed) throw notFound();
    if (parsed.formatted !== reference) return reply.redirect(`/reports/${parsed.formatted}`, 301);
    const report = await findReport(db, request.tenant.id, parsed.formatted);
    if (!report || report.hiddenReason) throw notFound();
    const [category, photos, updates] = await Promise.all([
      findCategory(db, request.tenant.id, report.category),
      listPhotos(db, request.tenant.id, report.caseId),
      listUpdates(db, request.tenant.id, report.caseId),
    ]);
    const duplicateOf = report.duplicateOf
      ? await findReportByCase(db, request.tenant.id, report.duplicateOf)
      : undefined;
    const q = request.query as { followed?: string };
    return reply.header('cache-control', 'no-store').render(`${views}/report.njk`, {
      report,
      categoryName: category ? localise(category.name, request.lang).text : report.category,
      photos: photos.filter((p) => !p.hiddenReason),
      updates: updates.filter((u) => !u.hiddenReason),
      duplicateOf: duplicateOf?.reference,
      open: (openStatuses as readonly string[]).includes(report.status) && !report.duplicateOf,
      followed: q.followed === '1',
      mapTiles,
    });
  });

  app.get('/reports/photos/:id', async (request, reply) => servePhoto(request, reply, 'full'));
  app.get('/reports/photos/:id/thumb', async (request, reply) => servePhoto(request, reply, 'thumb'));

  async function servePhoto(request: FastifyRequest, reply: FastifyReply, size: 'full' | 'thumb') {
    const { id } = request.params as { id: string };
    const photo = await findPhoto(db, request.tenant.id, id);
    if (!photo || photo.hiddenReason) throw notFound();
    const report = await findReportByCase(db, request.tenant.id, photo.caseId);
    if (!report || report.hiddenReason) throw notFound();
    const stored = await files.get(request.tenant.id, size === 'full' ? photo.fileId : photo.thumbFileId);
    if (!stored) throw notFound();
    return reply.header('cache-control', 'public, max-age=300').type('image/jpeg').send(stored.bytes);
  }

  app.post(
    '/reports/:reference/follow',
    { config: { rateLimit: rateLimits.publicPost } },
    async (request, reply) => {
      const t = i18n.t(request.lang);
      const { reference } = request.params as { reference: string };
      const report = await findReport(db, request.tenant.id, reference);
      if (!report || report.hiddenReason) throw notFound();
      const raw = (request.body as { email?: unknown } | undefined)?.email;
      const typed =
        typeof raw === 'string' ? raw.trim() : ((raw as { value?: string } | undefined)?.value?.trim() ?? '');
      const email = typed ? normaliseEmail(typed) : undefined;
      if (!email) {
        const text = t(typed ? 'reports.details.error-email-format' : 'reports.details.error-email');
        const [photos, updates] = await Promise.all([
          listPhotos(db, request.tenant.id, report.caseId),
          listUpdates(db, request.tenant.id, report.caseId),
        ]);
        return reply.code(400).render(`${views}/report.njk`, {
          report,
          categoryName: report.category,
          photos: photos.filter((p) => !p.hiddenReason),
          updates: updates.filter((u) => !u.hiddenReason),
          open: true,
          followEmail: typed,
          followError: { text },
          errorSummary: [{ text, href: '#email' }],
        });
      }
      await db.transaction(async (tx) => {
        await addFollower(tx, request.tenant.id, report.caseId, email, false);
        await services.mailer.send(tx, request.tenant.id, {
          to: email,
          subject: t('reports.email.follow-subject', { reference: report.reference }),
          text: t('reports.email.follow-body', {
            title: report.title,
            confirm: followLink(deps, request.tenant, report.caseId, email, 'confirm'),
          }),
        });
      });
      return reply.redirect(`/reports/${report.reference}?followed=1`, 303);
    },
  );

  app.get('/reports/follow/:caseId/:action', async (request, reply) => {
    const { caseId, action } = request.params as { caseId: string; action: string };
    const q = request.query as { email?: string; token?: string };
    if ((action !== 'confirm' && action !== 'stop') || !q.email) throw notFound();
    if (!followTokenValid(signer, request.tenant.id, caseId, q.email, action, q.token)) throw notFound();
    const report = await findReportByCase(db, request.tenant.id, caseId);
    if (!report) throw notFound();
    if (action === 'confirm') await addFollower(db, request.tenant.id, caseId, q.email, true);
    await setFollower(db, request.tenant.id, caseId, q.email, action);
    return reply.render(`${views}/followed.njk`, { action, reference: report.reference });
  });

  // --- Reports around a place, from every council covering it ---
  app.get('/reports', async (request, reply) => {
    const t = i18n.t(request.lang);
    const q = request.query as Record<string, string | undefined>;
    const text = (q.q ?? '').trim().slice(0, 200);
    const category = q.category ?? '';
    const status = q.status === 'open' || q.status === 'closed' ? q.status : '';
    const pageNumber = Math.max(1, Math.min(100, Number.parseInt(q.page ?? '1', 10) || 1));
    if (!text) return reply.render(`${views}/around.njk`, { value: '', category, status });
    const [found] = await searchAddresses(db, request.tenant.id, text, 1);
    if (!found) {
      const error = t('reports.where.error-none');
      return reply.render(`${views}/around.njk`, {
        value: text,
        category,
        status,
        error: { text: error },
        errorSummary: [{ text: error, href: '#q' }],
      });
    }
    const radius = 1000;
    const rows = await area.reportsNear(found, radius, {
      category: category || undefined,
      open: status === 'open',
      closed: status === 'closed',
      limit: pageSize + 1,
      offset: (pageNumber - 1) * pageSize,
    });
    const categories = await area.categoriesAt(found);
    const link = (n: number) =>
      `/reports?${new URLSearchParams({ q: text, category, status, page: String(n) })}`;
    return reply.render(`${views}/around.njk`, {
      value: text,
      category,
      status,
      place: addressText(found),
      placeLat: found.lat,
      placeLng: found.lng,
      mapTiles,
      categories: categories.map((c) => ({
        value: c.category.code,
        text: localise(c.category.name, request.lang).text,
      })),
      reports: rows.slice(0, pageSize).map((r) => ({
        ...r,
        distance: Math.round(r.distanceM),
        href: reportUrl(request, r.council, r.reference),
        council: localise(r.council.name, request.lang).text,
      })),
      previous: pageNumber > 1 ? link(pageNumber - 1) : undefined,
      next: rows.length > pageSize ? link(pageNumber + 1) : undefined,
      pageNumber,
    });
  });

  // --- Area alerts: new reports within a distance of a postcode ---
  app.get('/alerts', async (_request, reply) =>
    reply.render(`${views}/alerts.njk`, { values: { radius: '500' } }),
  );

  app.post('/alerts', { config: { rateLimit: rateLimits.publicPost } }, async (request, reply) => {
    const t = i18n.t(request.lang);
    const b = (request.body ?? {}) as Record<string, unknown>;
    const str = (k: string) => (typeof b[k] === 'string' ? (b[k] as string).trim() : '');
    const values = { postcode: str('postcode'), email: str('email'), radius: str('radius') || '500' };
    const errors: { text: string; href: string }[] = [];
    const postcode = normalisePostcode(values.postcode);
    const email = normaliseEmail(values.email);
    const radius = Number(values.radius);
    if (!postcode) errors.push({ text: t('reports.alerts.error-postcode'), href: '#postcode' });
    if (!email) errors.push({ text: t('reports.details.error-email'), href: '#email' });
    if (![200, 500, 1000, 2000].includes(radius))
      errors.push({ text: t('reports.alerts.error-radius'), href: '#radius' });
    const [found] = postcode ? await searchAddresses(db, request.tenant.id, postcode, 1) : [];
    if (postcode && !found) errors.push({ text: t('reports.where.error-none'), href: '#postcode' });
    if (errors.length) {
      return reply.code(400).render(`${views}/alerts.njk`, {
        values,
        errors: Object.fromEntries(errors.map((e) => [e.href.slice(1), { text: e.text }])),
        errorSummary: errors,
      });
    }
    const groupId = randomUUID();
    await db.transaction(async (tx) => {
      const councils = await area.subscribe(tx, {
        email: email!,
        postcode: postcode!,
        lat: found!.lat,
        lng: found!.lng,
        radiusM: radius,
        groupId,
      });
      if (!councils.length) return;
      const origin = publicOrigin(config, request.tenant.slug);
      await services.mailer.send(tx, request.tenant.id, {
        to: email!,
        subject: t('reports.email.alert-confirm-subject'),
        text: t('reports.email.alert-confirm-body', {
          postcode: postcode!,
          radius,
          confirm: `${origin}/alerts/${groupId}/confirm?token=${signer.sign('report-alert-confirm', groupId)}`,
        }),
      });
    });
    return reply.render(`${views}/alerts-sent.njk`, { email });
  });

  app.get('/alerts/:group/:action', async (request, reply) => {
    const { group, action } = request.params as { group: string; action: string };
    const token = (request.query as { token?: string }).token;
    const purpose =
      action === 'confirm' ? 'report-alert-confirm' : action === 'stop' ? 'report-alert' : undefined;
    if (!purpose || !signer.verify(purpose, group, token)) throw notFound();
    if (!(await area.setAlertGroup(group, action as 'confirm' | 'stop'))) throw notFound();
    return reply.render(`${views}/followed.njk`, { action: `alert-${action}` });
  });

  /** Fields and photo bytes from a multipart (or urlencoded) body. */
  async function readMultipart(request: FastifyRequest) {
    const raw = (request.body ?? {}) as Record<string, unknown>;
    const body: Record<string, string | string[]> = {};
    const uploads: Record<string, Buffer[]> = {};
    for (const [name, value] of Object.entries(raw)) {
      for (const part of Array.isArray(value) ? value : [value]) {
        if (part && typeof part === 'object' && 'type' in part) {
          const p = part as { type: string; value?: unknown; toBuffer?: () => Promise<Buffer> };
          if (p.type === 'file' && p.toBuffer) {
            const list = uploads[name] ?? [];
            list.push(await p.toBuffer());
            uploads[name] = list;
          } else add(body, name, String(p.value ?? ''));
        } else if (typeof part === 'string') add(body, name, part);
      }
    }
    return { body, uploads };
  }
}

function add(body: Record<string, string | string[]>, name: string, value: string) {
  const prev = body[name];
  body[name] = prev === undefined ? value : Array.isArray(prev) ? [...prev, value] : [prev, value];
}

export type { Category };
