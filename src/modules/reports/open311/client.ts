import type { Database } from '../../../db/database.ts';
import type { HttpClient } from '../../../platform/http-client/http-client.ts';
import { enqueue } from '../../../platform/outbox/outbox.ts';
import { type JobHandler, PermanentJobError } from '../../../platform/outbox/worker.ts';
import type { TenantRegistry } from '../../../platform/tenancy/registry.ts';
import { addReportUpdate, pullJobKind, pushJobKind, type ReportDeps, statusFromOpen311 } from '../service.ts';
import { findCategory, findReportByCase, listCategories, setBackofficeResult } from '../store.ts';
import { parseW3c, w3c } from './format.ts';

/**
 * The other direction: Doorstep as the front end of a council's back office that speaks
 * Open311 (a waste or highways system, or another Doorstep). A new report is pushed by an
 * outbox job, retried with backoff; the returned service_request_id (or a token, polled
 * until it gives one) is kept on the report. Updates are pulled from the back office's
 * servicerequestupdates on a schedule, each update_id recorded once.
 *
 * Nothing is sent twice: a push names the report as attribute[external_id] (as FixMyStreet
 * names its own), so a push repeated after a crash between the back office's answer and
 * our commit finds the request it made; and a report that already has its id is not pushed.
 */

export const tokenJobKind = 'open311.token';
/** How often updates are pulled; the window looks back further, so nothing falls between pulls. */
export const pullEveryMs = 5 * 60 * 1000;
const overlapMs = 60 * 60 * 1000;

const joinUrl = (base: string, path: string) => `${base.replace(/\/+$/, '')}/${path}`;

function form(fields: Record<string, string | number | null | undefined>): string {
  const body = new URLSearchParams();
  for (const [k, v] of Object.entries(fields))
    if (v !== undefined && v !== null && v !== '') body.append(k, String(v));
  return body.toString();
}

/** The back office's error list as one line, for the job's last error. */
function describeError(status: number, text: string): string {
  return `back office answered ${status}: ${text.slice(0, 300)}`;
}

export function open311Handlers(
  deps: Pick<ReportDeps, 'mailer' | 'signer' | 'config' | 'i18n'> & {
    tenants: TenantRegistry;
    now: () => Date;
  },
  http: HttpClient,
): Record<string, JobHandler> {
  const push: JobHandler = async (job, ctx) => {
    const { caseId } = job.payload as { caseId?: string };
    if (!caseId) throw new PermanentJobError('payload has no caseId');
    const report = await findReportByCase(ctx.db, job.tenantId, caseId);
    if (!report) throw new PermanentJobError('the report is gone');
    if (report.backofficeId) return; // pushed already
    const category = await findCategory(ctx.db, job.tenantId, report.category);
    const bo = category?.backoffice;
    if (!bo) return; // the back office was removed since
    if (report.backofficeToken) {
      await enqueue(ctx.db, { tenantId: job.tenantId, kind: tokenJobKind, payload: { caseId } });
      return;
    }
    const [first, ...rest] = (report.name ?? '').split(' ');
    const attributes: Record<string, string> = {};
    for (const [k, v] of Object.entries(report.extra)) {
      if (typeof v === 'string' || typeof v === 'number') attributes[`attribute[${k}]`] = String(v);
      else if (typeof v === 'boolean') attributes[`attribute[${k}]`] = v ? 'yes' : 'no';
    }
    const response = await http.request(joinUrl(bo.url, 'requests.json'), {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json' },
      body: form({
        api_key: bo.key,
        jurisdiction_id: bo.jurisdiction,
        service_code: bo.serviceCode,
        lat: report.lat,
        long: report.lng,
        address_string: report.addressText,
        address_id: report.uprn,
        description: report.description,
        email: report.email,
        first_name: first,
        last_name: rest.join(' '),
        phone: report.phone,
        'attribute[title]': report.title,
        'attribute[external_id]': report.reference,
        ...attributes,
      }),
    });
    const text = response.text();
    if (response.status >= 400 && response.status < 500 && response.status !== 408 && response.status !== 429)
      throw new PermanentJobError(describeError(response.status, text));
    if (response.status !== 200 && response.status !== 201)
      throw new Error(describeError(response.status, text));
    const [answer] = JSON.parse(text) as { service_request_id?: unknown; token?: unknown }[];
    const id = answer?.service_request_id ? String(answer.service_request_id) : null;
    const token = answer?.token ? String(answer.token) : null;
    if (!id && !token) throw new Error('back office answered with neither service_request_id nor token');
    await ctx.db.transaction(async (tx) => {
      await setBackofficeResult(tx, job.tenantId, caseId, { id, token });
      if (!id)
        await enqueue(tx, {
          tenantId: job.tenantId,
          kind: tokenJobKind,
          payload: { caseId },
          runAt: new Date(ctx.now().getTime() + 10_000),
        });
      await schedulePull(tx, job.tenantId, ctx.now());
    });
  };

  const token: JobHandler = async (job, ctx) => {
    const { caseId } = job.payload as { caseId?: string };
    const report = caseId ? await findReportByCase(ctx.db, job.tenantId, caseId) : undefined;
    if (!report || report.backofficeId || !report.backofficeToken) return;
    const bo = (await findCategory(ctx.db, job.tenantId, report.category))?.backoffice;
    if (!bo) return;
    const url = new URL(joinUrl(bo.url, `tokens/${encodeURIComponent(report.backofficeToken)}.json`));
    if (bo.jurisdiction) url.searchParams.set('jurisdiction_id', bo.jurisdiction);
    const response = await http.request(url, { headers: { accept: 'application/json' } });
    if (response.status !== 200) throw new Error(describeError(response.status, response.text()));
    const [answer] = response.json<{ service_request_id?: unknown }[]>();
    // No id yet: fail, so the outbox tries again later with backoff.
    if (!answer?.service_request_id) throw new Error('the back office has not given the token an id yet');
    await setBackofficeResult(ctx.db, job.tenantId, caseId!, { id: String(answer.service_request_id) });
  };

  const pull: JobHandler = async (job, ctx) => {
    const tenant = deps.tenants.byId(job.tenantId);
    if (!tenant) throw new PermanentJobError('no such council');
    const endpoints = new Map<string, { url: string; key: string; jurisdiction: string | null }>();
    for (const c of await listCategories(ctx.db, tenant.id, false))
      if (c.backoffice) endpoints.set(c.backoffice.url, c.backoffice);
    const now = ctx.now();
    for (const bo of endpoints.values()) {
      const [state] = await ctx.db.query<{ pulled_to: Date }>(
        'select pulled_to from open311_pulls where tenant_id = $1 and endpoint = $2',
        [tenant.id, bo.url],
      );
      const from = new Date(
        (state?.pulled_to ?? new Date(now.getTime() - 24 * 3_600_000)).getTime() - overlapMs,
      );
      const url = new URL(joinUrl(bo.url, 'servicerequestupdates.json'));
      url.searchParams.set('api_key', bo.key);
      if (bo.jurisdiction) url.searchParams.set('jurisdiction_id', bo.jurisdiction);
      url.searchParams.set('start_date', w3c(from));
      url.searchParams.set('end_date', w3c(now));
      const response = await http.request(url, { headers: { accept: 'application/json' } });
      if (response.status !== 200) throw new Error(describeError(response.status, response.text()));
      const updates = response.json<Record<string, unknown>[]>();
      // One transaction per pull: the updates and the new cursor commit together, and an
      // update seen again (the overlap, or a pull repeated after a crash) is skipped by its id.
      await (ctx.db as Database).transaction(async (tx) => {
        for (const u of updates) {
          const requestId = String(u.service_request_id ?? '');
          const updateId = String(u.update_id ?? '');
          const status = statusFromOpen311(String(u.status ?? ''));
          if (!requestId || !updateId || !status) continue;
          const [match] = await tx.query<{ case_id: string }>(
            'select case_id from reports where tenant_id = $1 and backoffice_id = $2',
            [tenant.id, requestId],
          );
          if (!match) continue;
          const report = await findReportByCase(tx, tenant.id, match.case_id);
          if (!report) continue;
          const at = typeof u.updated_datetime === 'string' ? parseW3c(u.updated_datetime) : undefined;
          await addReportUpdate(deps, tx, tenant, report, {
            source: 'backoffice',
            status,
            description: String(u.description ?? '').slice(0, 5000),
            externalId: `${bo.url}#${updateId}`.slice(0, 500),
            at,
          });
        }
        await tx.query(
          `insert into open311_pulls (tenant_id, endpoint, pulled_to) values ($1, $2, $3)
           on conflict (tenant_id, endpoint) do update set pulled_to = greatest(open311_pulls.pulled_to, excluded.pulled_to)`,
          [tenant.id, bo.url, now],
        );
      });
    }
    if (endpoints.size) await schedulePull(ctx.db, tenant.id, now, pullEveryMs);
  };

  return { [pushJobKind]: push, [tokenJobKind]: token, [pullJobKind]: pull };
}

/** Makes sure one pull is waiting for the council (never two: the check and insert are one statement). */
export async function schedulePull(
  q: import('../../../db/database.ts').Queryable,
  tenantId: string,
  now: Date,
  afterMs = pullEveryMs,
): Promise<void> {
  await q.query(
    `insert into jobs (tenant_id, kind, payload, run_at, max_attempts)
     select $1, $2, '{}'::jsonb, $3, 8
      where not exists (select 1 from jobs where tenant_id = $1 and kind = $2 and status in ('pending'))`,
    [tenantId, pullJobKind, new Date(now.getTime() + afterMs)],
  );
}
