import type { Queryable } from '../../db/database.ts';
import type { LocalText } from '../../platform/i18n/local-text.ts';
import { type Bbox, boxAround, type Geometry, type Point } from './geo.ts';

/** The case statuses that count as open (Open311 `open`); the rest are `closed`. */
export const openStatuses = ['received', 'in-progress', 'action-needed'] as const;

export interface Category {
  code: string;
  name: LocalText;
  description: LocalText;
  group: string;
  formSlug: string | null;
  dueDays: number;
  sort: number;
  active: boolean;
  backoffice: { url: string; jurisdiction: string | null; key: string; serviceCode: string } | null;
}

interface CategoryRow {
  code: string;
  name: LocalText;
  description: LocalText;
  grp: string;
  form_slug: string | null;
  due_days: number;
  sort: number;
  active: boolean;
  backoffice_url: string | null;
  backoffice_jurisdiction: string | null;
  backoffice_key: string | null;
  backoffice_service_code: string | null;
}

const toCategory = (r: CategoryRow): Category => ({
  code: r.code,
  name: r.name,
  description: r.description,
  group: r.grp,
  formSlug: r.form_slug,
  dueDays: r.due_days,
  sort: r.sort,
  active: r.active,
  backoffice: r.backoffice_url
    ? {
        url: r.backoffice_url,
        jurisdiction: r.backoffice_jurisdiction,
        key: r.backoffice_key ?? '',
        serviceCode: r.backoffice_service_code ?? r.code,
      }
    : null,
});

export async function listCategories(q: Queryable, tenantId: string, activeOnly = true): Promise<Category[]> {
  const rows = await q.query<CategoryRow>(
    `select * from report_categories where tenant_id = $1 ${activeOnly ? 'and active' : ''} order by sort, code`,
    [tenantId],
  );
  return rows.map(toCategory);
}

export async function findCategory(
  q: Queryable,
  tenantId: string,
  code: string,
): Promise<Category | undefined> {
  const [row] = await q.query<CategoryRow>(
    'select * from report_categories where tenant_id = $1 and code = $2',
    [tenantId, code],
  );
  return row ? toCategory(row) : undefined;
}

export async function upsertCategory(
  q: Queryable,
  tenantId: string,
  c: Omit<Category, 'backoffice'> & { backoffice?: Category['backoffice'] },
): Promise<void> {
  await q.query(
    `insert into report_categories (tenant_id, code, name, description, grp, form_slug, due_days, sort, active,
       backoffice_url, backoffice_jurisdiction, backoffice_key, backoffice_service_code)
     values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)
     on conflict (tenant_id, code) do update set name = excluded.name, description = excluded.description,
       grp = excluded.grp, form_slug = excluded.form_slug, due_days = excluded.due_days, sort = excluded.sort,
       active = excluded.active, backoffice_url = excluded.backoffice_url,
       backoffice_jurisdiction = excluded.backoffice_jurisdiction, backoffice_key = excluded.backoffice_key,
       backoffice_service_code = excluded.backoffice_service_code, updated_at = now()`,
    [
      tenantId,
      c.code,
      JSON.stringify(c.name),
      JSON.stringify(c.description),
      c.group,
      c.formSlug,
      c.dueDays,
      c.sort,
      c.active,
      c.backoffice?.url ?? null,
      c.backoffice?.jurisdiction ?? null,
      c.backoffice?.key ?? null,
      c.backoffice?.serviceCode ?? null,
    ],
  );
}

// ---------------------------------------------------------------------------------------
// Boundaries

export async function upsertBoundary(
  q: Queryable,
  tenantId: string,
  b: { code: string; name: string; geometry: Geometry; bbox: Bbox },
): Promise<'inserted' | 'updated'> {
  const [row] = await q.query<{ inserted: boolean }>(
    `insert into boundaries (tenant_id, code, name, geometry, min_lat, min_lng, max_lat, max_lng)
     values ($1, $2, $3, $4, $5, $6, $7, $8)
     on conflict (tenant_id, code) do update set name = excluded.name, geometry = excluded.geometry,
       min_lat = excluded.min_lat, min_lng = excluded.min_lng, max_lat = excluded.max_lat,
       max_lng = excluded.max_lng, updated_at = now()
     returning (xmax = 0) as inserted`,
    [
      tenantId,
      b.code,
      b.name,
      JSON.stringify(b.geometry),
      b.bbox.minLat,
      b.bbox.minLng,
      b.bbox.maxLat,
      b.bbox.maxLng,
    ],
  );
  return row?.inserted ? 'inserted' : 'updated';
}

// ---------------------------------------------------------------------------------------
// Reports

export interface ReportRow {
  caseId: string;
  reference: string;
  category: string;
  title: string;
  originalTitle: string;
  description: string;
  lat: number;
  lng: number;
  uprn: string | null;
  addressText: string;
  name: string | null;
  email: string | null;
  phone: string | null;
  hideName: boolean;
  extra: Record<string, unknown>;
  madeOn: string;
  channel: string;
  hiddenReason: string | null;
  duplicateOf: string | null;
  backofficeId: string | null;
  backofficeToken: string | null;
  externalId: string | null;
  status: string;
  dueAt: Date | null;
  createdAt: Date;
  updatedAt: Date;
}

export const reportColumns = `r.case_id as "caseId", r.reference, r.category, r.title, r.original_title as "originalTitle",
  r.description, r.lat, r.lng, r.uprn, r.address_text as "addressText", r.name, r.email, r.phone,
  r.hide_name as "hideName", r.extra, r.made_on as "madeOn", r.channel, r.hidden_reason as "hiddenReason",
  r.duplicate_of as "duplicateOf", r.backoffice_id as "backofficeId", r.backoffice_token as "backofficeToken",
  r.external_id as "externalId", c.status, c.due_at as "dueAt", r.created_at as "createdAt",
  greatest(r.updated_at, c.updated_at) as "updatedAt"`;

const fromReports = 'reports r join cases c on c.tenant_id = r.tenant_id and c.id = r.case_id';

export interface NewReport {
  caseId: string;
  reference: string;
  category: string;
  title: string;
  description: string;
  lat: number;
  lng: number;
  uprn: string | null;
  addressText: string;
  name: string | null;
  email: string | null;
  phone: string | null;
  hideName: boolean;
  extra: Record<string, unknown>;
  madeOn: string;
  channel: string;
  externalId: string | null;
  createdAt?: Date;
}

export async function insertReport(q: Queryable, tenantId: string, r: NewReport): Promise<void> {
  await q.query(
    `insert into reports (tenant_id, case_id, reference, category, title, original_title, description, lat, lng,
       uprn, address_text, name, email, phone, hide_name, extra, made_on, channel, external_id, created_at, updated_at)
     values ($1, $2, $3, $4, $5, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18,
       coalesce($19, now()), coalesce($19, now()))`,
    [
      tenantId,
      r.caseId,
      r.reference,
      r.category,
      r.title,
      r.description,
      r.lat,
      r.lng,
      r.uprn,
      r.addressText,
      r.name,
      r.email,
      r.phone,
      r.hideName,
      JSON.stringify(r.extra),
      r.madeOn,
      r.channel,
      r.externalId,
      r.createdAt ?? null,
    ],
  );
}

export async function findReport(
  q: Queryable,
  tenantId: string,
  reference: string,
): Promise<ReportRow | undefined> {
  const [row] = await q.query<ReportRow>(
    `select ${reportColumns} from ${fromReports} where r.tenant_id = $1 and r.reference = $2`,
    [tenantId, reference],
  );
  return row;
}

export async function findReportByCase(
  q: Queryable,
  tenantId: string,
  caseId: string,
): Promise<ReportRow | undefined> {
  const [row] = await q.query<ReportRow>(
    `select ${reportColumns} from ${fromReports} where r.tenant_id = $1 and r.case_id = $2`,
    [tenantId, caseId],
  );
  return row;
}

export async function findReportByExternalId(
  q: Queryable,
  tenantId: string,
  externalId: string,
): Promise<ReportRow | undefined> {
  const [row] = await q.query<ReportRow>(
    `select ${reportColumns} from ${fromReports} where r.tenant_id = $1 and r.external_id = $2`,
    [tenantId, externalId],
  );
  return row;
}

export interface NearbyReport {
  reference: string;
  category: string;
  title: string;
  status: string;
  lat: number;
  lng: number;
  createdAt: Date;
  distanceM: number;
}

/**
 * Visible reports within `metres` of a point, nearest first. The latitude band uses the
 * (tenant_id, lat, lng) index; earth_distance (earthdistance, in public) gives the metres.
 */
export async function reportsNear(
  q: Queryable,
  tenantId: string,
  p: Point,
  metres: number,
  filter: { category?: string; statuses?: readonly string[]; limit?: number; offset?: number } = {},
): Promise<NearbyReport[]> {
  const box = boxAround(p, metres);
  return q.query<NearbyReport>(
    `select * from (
       select r.reference, r.category, r.title, c.status, r.lat, r.lng, r.created_at as "createdAt",
              earth_distance(ll_to_earth($2, $3), ll_to_earth(r.lat, r.lng)) as "distanceM"
         from ${fromReports}
        where r.tenant_id = $1 and r.lat between $4 and $5 and r.lng between $6 and $7
          and r.hidden_reason is null and r.duplicate_of is null
          and ($8::text is null or r.category = $8)
          and ($9::text[] is null or c.status = any($9::text[]))
     ) near where "distanceM" <= $10
     order by "distanceM", "createdAt" desc
     limit $11 offset $12`,
    [
      tenantId,
      p.lat,
      p.lng,
      box.minLat,
      box.maxLat,
      box.minLng,
      box.maxLng,
      filter.category ?? null,
      filter.statuses ? [...filter.statuses] : null,
      metres,
      filter.limit ?? 50,
      filter.offset ?? 0,
    ],
  );
}

export async function setBackofficeResult(
  q: Queryable,
  tenantId: string,
  caseId: string,
  result: { id?: string | null; token?: string | null },
): Promise<void> {
  await q.query(
    `update reports set backoffice_id = coalesce($3, backoffice_id), backoffice_token = coalesce($4, backoffice_token),
       updated_at = now() where tenant_id = $1 and case_id = $2`,
    [tenantId, caseId, result.id ?? null, result.token ?? null],
  );
}

// ---------------------------------------------------------------------------------------
// Photos

export interface PhotoRow {
  id: string;
  position: number;
  fileId: string;
  thumbFileId: string;
  width: number;
  height: number;
  hiddenReason: string | null;
}

export async function insertPhoto(
  q: Queryable,
  tenantId: string,
  caseId: string,
  p: { position: number; fileId: string; thumbFileId: string; width: number; height: number },
): Promise<void> {
  await q.query(
    `insert into report_photos (tenant_id, case_id, position, file_id, thumb_file_id, width, height)
     values ($1, $2, $3, $4, $5, $6, $7)`,
    [tenantId, caseId, p.position, p.fileId, p.thumbFileId, p.width, p.height],
  );
}

export async function listPhotos(q: Queryable, tenantId: string, caseId: string): Promise<PhotoRow[]> {
  return q.query<PhotoRow>(
    `select id, position, file_id as "fileId", thumb_file_id as "thumbFileId", width, height,
            hidden_reason as "hiddenReason"
       from report_photos where tenant_id = $1 and case_id = $2 order by position`,
    [tenantId, caseId],
  );
}

export async function findPhoto(
  q: Queryable,
  tenantId: string,
  id: string,
): Promise<(PhotoRow & { caseId: string }) | undefined> {
  if (!/^[0-9a-f-]{36}$/i.test(id)) return undefined;
  const [row] = await q.query<PhotoRow & { caseId: string }>(
    `select id, case_id as "caseId", position, file_id as "fileId", thumb_file_id as "thumbFileId", width, height,
            hidden_reason as "hiddenReason"
       from report_photos where tenant_id = $1 and id = $2`,
    [tenantId, id],
  );
  return row;
}

// ---------------------------------------------------------------------------------------
// Updates

export interface UpdateRow {
  id: string;
  caseId: string;
  reference: string;
  source: string;
  status: string;
  description: string;
  externalId: string | null;
  hiddenReason: string | null;
  createdAt: Date;
}

/** Inserts an update; false when the back office's update_id was seen before for this case. */
export async function insertUpdate(
  q: Queryable,
  tenantId: string,
  u: {
    caseId: string;
    source: string;
    status: string;
    description: string;
    externalId?: string | null;
    at?: Date;
  },
): Promise<string | undefined> {
  const [row] = await q.query<{ id: string }>(
    `insert into report_updates (tenant_id, case_id, source, status, description, external_id, created_at)
     values ($1, $2, $3, $4, $5, $6, coalesce($7, now()))
     on conflict (tenant_id, case_id, external_id) where external_id is not null do nothing
     returning id::text as id`,
    [tenantId, u.caseId, u.source, u.status, u.description, u.externalId ?? null, u.at ?? null],
  );
  return row?.id;
}

const updateColumns = `u.id::text as id, u.case_id as "caseId", r.reference, u.source, u.status, u.description,
  u.external_id as "externalId", u.hidden_reason as "hiddenReason", u.created_at as "createdAt"`;

export async function listUpdates(q: Queryable, tenantId: string, caseId: string): Promise<UpdateRow[]> {
  return q.query<UpdateRow>(
    `select ${updateColumns} from report_updates u
       join reports r on r.tenant_id = u.tenant_id and r.case_id = u.case_id
      where u.tenant_id = $1 and u.case_id = $2 order by u.created_at, u.id`,
    [tenantId, caseId],
  );
}

export async function updatesBetween(
  q: Queryable,
  tenantId: string,
  from: Date,
  to: Date,
  limit: number,
): Promise<UpdateRow[]> {
  return q.query<UpdateRow>(
    `select ${updateColumns} from report_updates u
       join reports r on r.tenant_id = u.tenant_id and r.case_id = u.case_id
      where u.tenant_id = $1 and u.created_at >= $2 and u.created_at <= $3 and u.hidden_reason is null
      order by u.created_at, u.id limit $4`,
    [tenantId, from, to, limit],
  );
}

// ---------------------------------------------------------------------------------------
// Followers

/** Adds a follower; `confirmed` for the reporter, whose email the report itself came from. */
export async function addFollower(
  q: Queryable,
  tenantId: string,
  caseId: string,
  email: string,
  confirmed: boolean,
): Promise<void> {
  await q.query(
    `insert into report_followers (tenant_id, case_id, email, confirmed_at)
     values ($1, $2, $3, case when $4::boolean then now() end)
     on conflict (tenant_id, case_id, email) do nothing`,
    [tenantId, caseId, email, confirmed],
  );
}

export async function confirmedFollowers(q: Queryable, tenantId: string, caseId: string): Promise<string[]> {
  const rows = await q.query<{ email: string }>(
    `select email from report_followers
      where tenant_id = $1 and case_id = $2 and confirmed_at is not null and stopped_at is null order by email`,
    [tenantId, caseId],
  );
  return rows.map((r) => r.email);
}

export async function setFollower(
  q: Queryable,
  tenantId: string,
  caseId: string,
  email: string,
  action: 'confirm' | 'stop',
): Promise<boolean> {
  const rows = await q.query(
    action === 'confirm'
      ? `update report_followers set confirmed_at = coalesce(confirmed_at, now()), stopped_at = null
          where tenant_id = $1 and case_id = $2 and email = $3 returning id`
      : `update report_followers set stopped_at = coalesce(stopped_at, now())
          where tenant_id = $1 and case_id = $2 and email = $3 returning id`,
    [tenantId, caseId, email],
  );
  return rows.length > 0;
}

/** Carries a duplicate's followers to the report it duplicates (each email once). */
export async function moveFollowers(q: Queryable, tenantId: string, from: string, to: string): Promise<void> {
  await q.query(
    `insert into report_followers (tenant_id, case_id, email, confirmed_at, stopped_at)
     select tenant_id, $3, email, confirmed_at, stopped_at from report_followers where tenant_id = $1 and case_id = $2
     on conflict (tenant_id, case_id, email) do nothing`,
    [tenantId, from, to],
  );
}

// ---------------------------------------------------------------------------------------
// Area alerts

export async function insertAreaAlert(
  q: Queryable,
  tenantId: string,
  a: { email: string; postcode: string; lat: number; lng: number; radiusM: number; groupId: string },
): Promise<void> {
  await q.query(
    `insert into report_area_alerts (tenant_id, email, postcode, lat, lng, radius_m, group_id)
     values ($1, $2, $3, $4, $5, $6, $7)`,
    [tenantId, a.email, a.postcode, a.lat, a.lng, a.radiusM, a.groupId],
  );
}

/** Confirmed alerts whose circle holds the point. */
export async function alertsCovering(
  q: Queryable,
  tenantId: string,
  p: Point,
): Promise<{ email: string; groupId: string; radiusM: number }[]> {
  const box = boxAround(p, 5000);
  return q.query(
    `select email, group_id as "groupId", radius_m as "radiusM" from report_area_alerts
      where tenant_id = $1 and confirmed_at is not null and stopped_at is null
        and lat between $4 and $5 and lng between $6 and $7
        and earth_distance(ll_to_earth($2, $3), ll_to_earth(lat, lng)) <= radius_m`,
    [tenantId, p.lat, p.lng, box.minLat, box.maxLat, box.minLng, box.maxLng],
  );
}

// ---------------------------------------------------------------------------------------
// Open311 reads

export interface RequestRow extends ReportRow {
  statusNotes: string | null;
  photoId: string | null;
}

/**
 * Reports for GET requests: by reference, or by category, time and status; newest first.
 * The conditions are written only for the filters given, so each shape gets its own plan:
 * one category with a time range walks (tenant, category, created_at) in order and stops at
 * the limit, where a catch-all "$n is null or ..." form would filter a time scan instead.
 */
export async function listRequests(
  q: Queryable,
  tenantId: string,
  f: { references?: string[]; codes?: string[]; from?: Date; to?: Date; statuses?: string[]; limit: number },
): Promise<RequestRow[]> {
  const params: unknown[] = [tenantId];
  const where = ['r.tenant_id = $1', 'r.hidden_reason is null'];
  const add = (sql: (n: number) => string, value: unknown) => {
    params.push(value);
    where.push(sql(params.length));
  };
  if (f.references) add((n) => `r.reference = any($${n}::text[])`, f.references);
  if (f.codes?.length === 1) add((n) => `r.category = $${n}`, f.codes[0]);
  else if (f.codes) add((n) => `r.category = any($${n}::text[])`, f.codes);
  if (f.from) add((n) => `r.created_at >= $${n}`, f.from);
  if (f.to) add((n) => `r.created_at <= $${n}`, f.to);
  if (f.statuses) add((n) => `c.status = any($${n}::text[])`, f.statuses);
  params.push(f.limit);
  return q.query<RequestRow>(
    `select ${reportColumns},
            (select u.description from report_updates u where u.tenant_id = r.tenant_id and u.case_id = r.case_id
               and u.hidden_reason is null and u.description <> '' order by u.created_at desc, u.id desc limit 1) as "statusNotes",
            (select p.id from report_photos p where p.tenant_id = r.tenant_id and p.case_id = r.case_id
               and p.hidden_reason is null order by p.position limit 1) as "photoId"
       from ${fromReports}
      where ${where.join(' and ')}
      order by r.created_at desc
      limit $${params.length}`,
    params,
  );
}

// ---------------------------------------------------------------------------------------
// Moderation

export async function listRecentReports(
  q: Queryable,
  tenantId: string,
  f: { status?: string; category?: string; limit: number; offset: number },
): Promise<ReportRow[]> {
  return q.query<ReportRow>(
    `select ${reportColumns} from ${fromReports}
      where r.tenant_id = $1 and ($2::text is null or c.status = $2) and ($3::text is null or r.category = $3)
      order by r.created_at desc limit $4 offset $5`,
    [tenantId, f.status ?? null, f.category ?? null, f.limit, f.offset],
  );
}

export async function setReportTitle(
  q: Queryable,
  tenantId: string,
  caseId: string,
  title: string,
): Promise<void> {
  await q.query('update reports set title = $3, updated_at = now() where tenant_id = $1 and case_id = $2', [
    tenantId,
    caseId,
    title,
  ]);
}

export async function setReportHidden(
  q: Queryable,
  tenantId: string,
  caseId: string,
  reason: string | null,
): Promise<void> {
  await q.query(
    'update reports set hidden_reason = $3, updated_at = now() where tenant_id = $1 and case_id = $2',
    [tenantId, caseId, reason],
  );
}

export async function setPhotoHidden(
  q: Queryable,
  tenantId: string,
  caseId: string,
  photoId: string,
  reason: string | null,
): Promise<boolean> {
  if (!/^[0-9a-f-]{36}$/i.test(photoId)) return false;
  const rows = await q.query(
    'update report_photos set hidden_reason = $4 where tenant_id = $1 and case_id = $2 and id = $3 returning id',
    [tenantId, caseId, photoId, reason],
  );
  return rows.length > 0;
}

export async function setDuplicateOf(
  q: Queryable,
  tenantId: string,
  caseId: string,
  of: string,
): Promise<void> {
  await q.query(
    'update reports set duplicate_of = $3, updated_at = now() where tenant_id = $1 and case_id = $2',
    [tenantId, caseId, of],
  );
}

/** The reports these addresses follow (confirmed, not stopped), in one council: for My Account. */
export async function followedReports(
  q: Queryable,
  tenantId: string,
  emails: string[],
): Promise<{ caseId: string; reference: string; title: string; email: string; status: string }[]> {
  if (!emails.length) return [];
  return q.query(
    `select r.case_id as "caseId", r.reference, r.title, f.email, c.status
       from report_followers f
       join reports r on r.tenant_id = f.tenant_id and r.case_id = f.case_id
       join cases c on c.tenant_id = r.tenant_id and c.id = r.case_id
      where f.tenant_id = $1 and lower(f.email) = any($2::text[])
        and f.confirmed_at is not null and f.stopped_at is null
      order by f.created_at desc limit 100`,
    [tenantId, emails.map((e) => e.toLowerCase())],
  );
}

/** The area alerts these addresses receive (confirmed, not stopped), in one council. */
export async function areaAlertsOf(
  q: Queryable,
  tenantId: string,
  emails: string[],
): Promise<{ groupId: string; postcode: string; radiusM: number }[]> {
  if (!emails.length) return [];
  return q.query(
    `select group_id as "groupId", postcode, radius_m as "radiusM" from report_area_alerts
      where tenant_id = $1 and lower(email) = any($2::text[]) and confirmed_at is not null and stopped_at is null
      order by created_at desc limit 100`,
    [tenantId, emails.map((e) => e.toLowerCase())],
  );
}
