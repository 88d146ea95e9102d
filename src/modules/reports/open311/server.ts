import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { publicOrigin } from '../../../config.ts';
import { findByUprn, searchAddresses } from '../../../platform/gazetteer/store.ts';
import { localise } from '../../../platform/i18n/local-text.ts';
import type { Tenant } from '../../../platform/tenancy/tenant.ts';
import { normaliseEmail, parsePage, type Question, type RawBody } from '../../forms/engine/index.ts';
import { loadDefinition } from '../../forms/service.ts';
import { apiKeyValid } from '../../integrations/api-keys.ts';
import {
  addReportUpdate,
  createReport,
  open311Status,
  type ReportDeps,
  statusFromOpen311,
  statusToOpen311Update,
} from '../service.ts';
import {
  type Category,
  findCategory,
  findReport,
  listCategories,
  listRequests,
  openStatuses,
  type RequestRow,
  updatesBetween,
} from '../store.ts';
import {
  errorBody,
  type Format,
  type Open311Error,
  parseW3c,
  serialise,
  splitFormat,
  w3c,
} from './format.ts';

/** Thrown inside a handler: answered as a GeoReport v2 error list with the same HTTP status. */
class Open311Failure extends Error {
  readonly errors: Open311Error[];
  constructor(code: number, description: string) {
    super(description);
    this.errors = [{ code, description }];
  }
}
const fail = (code: number, description: string): never => {
  throw new Open311Failure(code, description);
};

const maxRequests = 1000;
const defaultDays = 90;

/** The datatype of the spec for each question type of the form engine. */
function datatypeOf(q: Question): { datatype: string; values?: { key: string; name: string }[] } {
  switch (q.type) {
    case 'textarea':
      return { datatype: 'text' };
    case 'number':
    case 'money':
      return { datatype: 'number' };
    case 'date':
      return { datatype: 'datetime' };
    case 'radios':
    case 'select':
      return {
        datatype: 'singlevaluelist',
        values: q.options.map((o) => ({ key: o.value, name: o.label.en })),
      };
    case 'checkboxes':
      return {
        datatype: 'multivaluelist',
        values: q.options.map((o) => ({ key: o.value, name: o.label.en })),
      };
    case 'yesno':
      return {
        datatype: 'singlevaluelist',
        values: [
          { key: 'yes', name: 'Yes' },
          { key: 'no', name: 'No' },
        ],
      };
    default:
      return { datatype: 'string' };
  }
}

/** Fields of a form-encoded or multipart body as plain strings (repeated names as arrays). */
function fields(body: unknown): Record<string, string | string[]> {
  const out: Record<string, string | string[]> = {};
  for (const [name, raw] of Object.entries((body ?? {}) as Record<string, unknown>)) {
    const parts = Array.isArray(raw) ? raw : [raw];
    const values: string[] = [];
    for (const part of parts) {
      if (typeof part === 'string') values.push(part);
      else if (part && typeof part === 'object' && (part as { type?: string }).type === 'field')
        values.push(String((part as { value?: unknown }).value ?? ''));
    }
    if (values.length) out[name] = values.length === 1 ? values[0]! : values;
  }
  return out;
}

const one = (v: string | string[] | undefined) => (Array.isArray(v) ? v[0] : v)?.trim() ?? '';

export function registerOpen311(app: FastifyInstance, deps: ReportDeps & { demo: boolean }): void {
  const { db } = deps;

  const send = (reply: FastifyReply, format: Format, root: string, body: unknown, status = 200) => {
    const out = serialise(format, root, body as never);
    return reply.code(status).header('cache-control', 'no-store').type(out.type).send(out.text);
  };

  /** Runs a handler, answering Open311 errors in the asked format. */
  const handle =
    (fn: (request: FastifyRequest, reply: FastifyReply, format: Format, name: string) => Promise<unknown>) =>
    async (request: FastifyRequest, reply: FastifyReply) => {
      const file = (request.params as { file: string }).file;
      const split = splitFormat(file);
      if (!split) {
        const out = errorBody('json', [{ code: 404, description: 'use .json or .xml' }]);
        return reply.code(404).type(out.type).send(out.text);
      }
      const [name, format] = split;
      try {
        const query = request.query as Record<string, unknown>;
        const body = fields(request.body);
        const jurisdiction =
          one(body.jurisdiction_id) ||
          (typeof query.jurisdiction_id === 'string' ? query.jurisdiction_id : '');
        if (jurisdiction && jurisdiction !== request.tenant.slug && jurisdiction !== request.hostname)
          fail(404, `jurisdiction_id not found: this endpoint serves "${request.tenant.slug}"`);
        return await fn(request, reply, format, name);
      } catch (error) {
        if (!(error instanceof Open311Failure)) throw error;
        const out = errorBody(format, error.errors);
        return reply
          .code(error.errors[0]!.code)
          .header('cache-control', 'no-store')
          .type(out.type)
          .send(out.text);
      }
    };

  const origin = (tenant: Tenant) => publicOrigin(deps.config, tenant.slug);

  const serviceOf = (c: Category) => ({
    service_code: c.code,
    service_name: c.name.en,
    description: c.description.en ?? '',
    metadata: c.formSlug ? 'true' : 'false',
    type: 'realtime',
    keywords: '',
    group: c.group,
  });

  async function questionsOf(tenantId: string, c: Category): Promise<Question[]> {
    if (!c.formSlug) return [];
    const loaded = await loadDefinition(db, tenantId, c.formSlug);
    return loaded?.definition.pages.flatMap((p) => (p.kind === 'question' ? p.questions : [])) ?? [];
  }

  const requestOf = (tenant: Tenant, r: RequestRow, categories: Map<string, Category>) => ({
    service_request_id: r.reference,
    status: r.duplicateOf ? 'closed' : open311Status(r.status),
    status_notes: r.statusNotes ?? '',
    service_name: categories.get(r.category)?.name.en ?? r.category,
    service_code: r.category,
    description: r.description,
    agency_responsible: localise(tenant.name, 'en').text,
    service_notice: '',
    requested_datetime: w3c(r.createdAt),
    updated_datetime: w3c(r.updatedAt),
    expected_datetime: r.dueAt ? w3c(r.dueAt) : '',
    address: r.addressText,
    address_id: r.uprn ?? '',
    zipcode: /[A-Z]{1,2}\d[A-Z\d]? \d[A-Z]{2}$/.exec(r.addressText)?.[0] ?? '',
    lat: r.lat,
    long: r.lng,
    media_url: r.photoId ? `${origin(tenant)}/reports/photos/${r.photoId}` : '',
  });

  // --- Discovery (Contracts table) ---
  for (const format of ['json', 'xml'] as const) {
    app.get(`/open311/discovery.${format}`, async (request, reply) => {
      const tenant = request.tenant;
      const body = {
        changeset: '2026-01-01T00:00:00+00:00',
        contact: `${localise(tenant.name, 'en').text}: ${tenant.contact.email}`,
        key_service: `${origin(tenant)}/staff/api-keys`,
        endpoints: [
          {
            specification: 'http://wiki.open311.org/GeoReport_v2',
            url: `${origin(tenant)}/open311/v2`,
            changeset: '2026-01-01T00:00:00+00:00',
            type: 'production',
            formats: ['application/json', 'text/xml'],
          },
        ],
      };
      return send(reply, format, 'discovery', body);
    });
  }

  // --- services, requests, servicerequestupdates ---
  app.get(
    '/open311/v2/:file',
    handle(async (request, reply, format, name) => {
      const tenant = request.tenant;
      const query = request.query as Record<string, string | undefined>;
      if (name === 'services') {
        const categories = await listCategories(db, tenant.id);
        return send(reply, format, 'services', categories.map(serviceOf));
      }
      if (name === 'requests') {
        const categories = new Map((await listCategories(db, tenant.id, false)).map((c) => [c.code, c]));
        const list = (v: string | undefined) =>
          v
            ?.split(',')
            .map((s) => s.trim())
            .filter(Boolean);
        const references = list(query.service_request_id)?.map((s) => s.toUpperCase());
        const date = (key: string) => {
          const v = query[key];
          if (v === undefined || v === '') return undefined;
          return parseW3c(v) ?? fail(400, `${key} must be a W3C datetime such as 2026-03-02T09:15:00Z`);
        };
        let rows: RequestRow[];
        if (references?.length) {
          // The spec: with service_request_id, the other parameters are ignored.
          rows = await listRequests(db, tenant.id, {
            references: references.slice(0, maxRequests),
            limit: maxRequests,
          });
        } else {
          const to = date('end_date') ?? deps.now();
          const from = date('start_date') ?? new Date(to.getTime() - defaultDays * 86_400_000);
          if (from > to) fail(400, 'start_date must be before end_date');
          const statusList = list(query.status);
          let statuses: string[] | undefined;
          if (statusList?.length) {
            if (statusList.some((s) => s !== 'open' && s !== 'closed'))
              fail(400, 'status must be open, closed, or both');
            if (!(statusList.includes('open') && statusList.includes('closed')))
              statuses = statusList.includes('open') ? [...openStatuses] : ['completed', 'closed'];
          }
          rows = await listRequests(db, tenant.id, {
            codes: list(query.service_code),
            from,
            to,
            statuses,
            limit: maxRequests,
          });
        }
        return send(
          reply,
          format,
          'service_requests',
          rows.map((r) => requestOf(tenant, r, categories)),
        );
      }
      if (name === 'servicerequestupdates') {
        const to = query.end_date
          ? (parseW3c(query.end_date) ?? fail(400, 'end_date must be a W3C datetime'))
          : deps.now();
        const from = query.start_date
          ? (parseW3c(query.start_date) ?? fail(400, 'start_date must be a W3C datetime'))
          : new Date(to.getTime() - defaultDays * 86_400_000);
        const rows = await updatesBetween(db, tenant.id, from, to, maxRequests);
        return send(
          reply,
          format,
          'service_request_updates',
          rows.map((u) => ({
            update_id: u.id,
            service_request_id: u.reference,
            status: statusToOpen311Update(u.status),
            updated_datetime: w3c(u.createdAt),
            description: u.description,
            media_url: '',
          })),
        );
      }
      return fail(404, `no such resource: ${name}`);
    }),
  );

  app.get(
    '/open311/v2/services/:file',
    handle(async (request, reply, format, code) => {
      const tenant = request.tenant;
      const category = await findCategory(db, tenant.id, code);
      if (!category?.active) return fail(404, `service_code not found: ${code}`);
      const questions = await questionsOf(tenant.id, category);
      return send(reply, format, 'service_definition', {
        service_code: category.code,
        attributes: questions.map((q, i) => ({
          variable: 'true',
          code: q.id,
          ...(({ datatype }) => ({ datatype }))(datatypeOf(q)),
          required: q.required ? 'true' : 'false',
          datatype_description: q.hint?.en ?? '',
          order: i + 1,
          description: q.label.en,
          ...(datatypeOf(q).values ? { values: datatypeOf(q).values } : {}),
        })),
      });
    }),
  );

  app.get(
    '/open311/v2/requests/:file',
    handle(async (request, reply, format, id) => {
      const tenant = request.tenant;
      const categories = new Map((await listCategories(db, tenant.id, false)).map((c) => [c.code, c]));
      const rows = await listRequests(db, tenant.id, { references: [id.toUpperCase()], limit: 1 });
      if (!rows[0]) return fail(404, `service_request_id not found: ${id}`);
      return send(reply, format, 'service_requests', [requestOf(tenant, rows[0], categories)]);
    }),
  );

  app.get(
    '/open311/v2/tokens/:file',
    handle(async (request, reply, format, token) => {
      // Requests are made at once, so a token is the reference itself.
      const report = await findReport(db, request.tenant.id, token.toUpperCase());
      if (!report) return fail(404, `token not found: ${token}`);
      return send(reply, format, 'service_requests', [{ service_request_id: report.reference, token }]);
    }),
  );

  app.post(
    '/open311/v2/:file',
    handle(async (request, reply, format, name) => {
      const tenant = request.tenant;
      const body = fields(request.body);
      if (name !== 'requests' && name !== 'servicerequestupdates')
        return fail(404, `no such resource: ${name}`);
      if (!one(body.api_key)) fail(403, 'api_key was not provided');
      if (!(await apiKeyValid(db, tenant, one(body.api_key), 'open311', deps.demo)))
        fail(403, 'api_key is not valid');
      if (name === 'servicerequestupdates') return postUpdate(request, reply, format, body);

      const code = one(body.service_code);
      if (!code) fail(400, 'service_code was not provided');
      const category = await findCategory(db, tenant.id, code);
      if (!category?.active) return fail(404, `service_code not found: ${code}`);

      // Where: lat+long, else address_id (a UPRN), else address_string, from the council's gazetteer.
      let place: { lat: number; lng: number; uprn: string | null; addressText: string } | undefined;
      const lat = one(body.lat);
      const long = one(body.long);
      const addressString = one(body.address_string);
      const addressId = one(body.address_id);
      if (lat || long) {
        const la = Number(lat);
        const lo = Number(long);
        if (
          !lat ||
          !long ||
          !Number.isFinite(la) ||
          !Number.isFinite(lo) ||
          Math.abs(la) > 90 ||
          Math.abs(lo) > 180
        )
          fail(400, 'lat and long must both be given as decimal degrees (WGS84)');
        place = { lat: la, lng: lo, uprn: addressId || null, addressText: addressString };
      } else if (addressId) {
        const found = await findByUprn(db, tenant.id, addressId);
        if (!found) fail(400, `address_id not found: ${addressId}`);
        place = {
          lat: found!.lat,
          lng: found!.lng,
          uprn: found!.uprn,
          addressText: [found!.line1, found!.line2, found!.town, found!.postcode].filter(Boolean).join(', '),
        };
      } else if (addressString) {
        const [found] = await searchAddresses(db, tenant.id, addressString, 1);
        if (!found) fail(400, `address_string not found in the council's gazetteer: ${addressString}`);
        place = { lat: found!.lat, lng: found!.lng, uprn: found!.uprn, addressText: addressString };
      } else {
        fail(400, 'lat/long, address_string, or address_id was not provided');
      }

      // Attributes are the category's extra questions: the form engine checks them.
      const raw: RawBody = {};
      const questions = await questionsOf(tenant.id, category);
      for (const q of questions) {
        const v = body[`attribute[${q.id}]`] ?? body[`attribute[${q.id}][]`];
        if (v !== undefined) raw[q.id] = v;
      }
      let extra: Record<string, unknown> = {};
      if (category.formSlug && questions.length) {
        const loaded = await loadDefinition(db, tenant.id, category.formSlug);
        const page = loaded!.definition.pages.find((p) => p.kind === 'question')!;
        const parsed = parsePage(loaded!.definition, page, raw);
        if (parsed.kind === 'crafted') fail(400, `attribute: ${parsed.reason}`);
        if (parsed.kind === 'answers' && parsed.errors.length) {
          const e = parsed.errors[0]!;
          fail(400, `attribute[${e.questionId}] was not provided or is not one of its values`);
        }
        if (parsed.kind === 'answers') extra = parsed.answers;
      }
      const description = one(body.description);
      if (!description) fail(400, 'description was not provided');
      const emailRaw = one(body.email);
      const email = emailRaw ? normaliseEmail(emailRaw) : null;
      if (emailRaw && !email) fail(400, 'email is not a valid email address');
      const personName = [one(body.first_name), one(body.last_name)].filter(Boolean).join(' ') || null;
      const title = one(body['attribute[title]']) || description.split('\n')[0]!.slice(0, 80);
      const mediaUrl = one(body.media_url);
      const externalId =
        one(body['attribute[external_id]']) || one(body['attribute[fixmystreet_id]']) || null;

      const result = await createReport(deps, {
        madeOn: tenant,
        place: place!,
        category: category.code,
        title,
        description: description.slice(0, 5000),
        name: personName,
        email: email ?? null,
        phone: one(body.phone) || null,
        hideName: false,
        extra: { ...extra, ...(mediaUrl ? { media_url: mediaUrl.slice(0, 2000) } : {}) },
        photos: [],
        channel: 'api',
        externalId: externalId ? `${one(body.api_key).slice(0, 12)}:${externalId}`.slice(0, 200) : null,
        lang: 'en',
      });
      if (result.kind === 'outside') return fail(400, 'the location is outside every council’s area');
      if (result.kind === 'no-category' || result.council.id !== tenant.id) {
        const other = result.kind === 'no-category' ? undefined : result.council;
        return fail(
          400,
          other
            ? `${localise(other.name, 'en').text} is responsible for ${code} at this location, not this council`
            : `this council does not handle ${code} at this location`,
        );
      }
      return send(reply, format, 'service_requests', [
        { service_request_id: result.report.reference, service_notice: '', account_id: '' },
      ]);
    }),
  );

  /** POST servicerequestupdates: a back office (or another client) sends a status update. */
  async function postUpdate(
    request: FastifyRequest,
    reply: FastifyReply,
    format: Format,
    body: Record<string, string | string[]>,
  ) {
    const tenant = request.tenant;
    const id = one(body.service_request_id);
    if (!id) fail(400, 'service_request_id was not provided');
    const updateId = one(body.update_id);
    if (!updateId) fail(400, 'update_id was not provided');
    const statusText = one(body.status);
    if (!statusText) fail(400, 'status was not provided');
    const status = statusFromOpen311(statusText) ?? fail(400, `status not known: ${statusText}`);
    const whenText = one(body.updated_datetime);
    if (!whenText) fail(400, 'updated_datetime was not provided');
    const when = parseW3c(whenText) ?? fail(400, 'updated_datetime must be a W3C datetime');
    const report = await findReport(db, tenant.id, id.toUpperCase());
    if (!report) return fail(404, `service_request_id not found: ${id}`);
    await db.transaction(async (tx) =>
      addReportUpdate(deps, tx, tenant, report, {
        source: 'api',
        status: status as string,
        description: one(body.description).slice(0, 5000),
        externalId: `api:${updateId}`.slice(0, 200),
        at: when as Date,
      }),
    );
    return send(reply, format, 'service_request_updates', [{ update_id: updateId }]);
  }
}
