import { randomUUID } from 'node:crypto';
import { publicOrigin } from '../../config.ts';
import type { Queryable } from '../../db/database.ts';
import type { FileStore } from '../../platform/files/file-store.ts';
import type { I18n } from '../../platform/i18n/catalogue.ts';
import { type Language, localise } from '../../platform/i18n/local-text.ts';
import type { Mailer } from '../../platform/mail/mailer.ts';
import { enqueue } from '../../platform/outbox/outbox.ts';
import type { Signer } from '../../platform/security/signer.ts';
import type { Tenant } from '../../platform/tenancy/tenant.ts';
import { recordSubmission } from '../cases/service.ts';
import { insertCaseUpdate } from '../cases/store.ts';
import type { AreaService } from './area.ts';
import type { Point } from './geo.ts';
import type { ProcessedPhoto } from './photos.ts';
import {
  addFollower,
  alertsCovering,
  areaAlertsOf,
  type Category,
  confirmedFollowers,
  findReportByCase,
  findReportByExternalId,
  followedReports,
  insertPhoto,
  insertReport,
  insertUpdate,
  type ReportRow,
} from './store.ts';

export const pushJobKind = 'open311.push';
export const pullJobKind = 'open311.pull';

export interface ReportDeps {
  db: Queryable & { transaction<T>(fn: (tx: Queryable) => Promise<T>): Promise<T> };
  files: FileStore;
  mailer: Mailer;
  signer: Signer;
  i18n: I18n;
  area: AreaService;
  config: { publicOriginTemplate: string };
  now: () => Date;
}

export interface NewReportInput {
  /** The council whose site (or API) it was made on. */
  madeOn: Tenant;
  place: Point & { uprn?: string | null; addressText: string };
  category: string;
  title: string;
  description: string;
  name: string | null;
  email: string | null;
  phone: string | null;
  hideName: boolean;
  extra: Record<string, unknown>;
  photos: ProcessedPhoto[];
  channel: 'web' | 'api' | 'phone';
  /** The sender's own id for it (Open311 attribute[external_id]): sending it again finds this one. */
  externalId?: string | null;
  lang: Language;
  createdAt?: Date;
  /** Seeds give the status history themselves. */
  quiet?: boolean;
}

export type NewReportResult =
  | { kind: 'created' | 'existing'; council: Tenant; category: Category; report: ReportRow }
  | { kind: 'outside' }
  | { kind: 'no-category' };

/**
 * Makes a report in the council responsible for its category at its place (the area
 * service decides), as a case with its reference, queue and due date, in one transaction
 * with every side effect: the confirmation email, the push to the back office, the area
 * alerts. A report sent again with the same external id returns the first.
 */
export async function createReport(deps: ReportDeps, input: NewReportInput): Promise<NewReportResult> {
  const councils = await deps.area.councilsAt(input.place);
  if (!councils.length) return { kind: 'outside' };
  const responsible = await deps.area.responsibleFor(input.place, input.category);
  if (!responsible) return { kind: 'no-category' };
  const { council, category } = responsible;
  const now = input.createdAt ?? deps.now();
  return deps.db.transaction(async (tx) => {
    if (input.externalId) {
      const existing = await findReportByExternalId(tx, council.id, input.externalId);
      if (existing) return { kind: 'existing', council, category, report: existing } as const;
    }
    const { case: row } = await recordSubmission(tx, {
      tenant: council,
      serviceSlug: null,
      formSlug: category.formSlug ?? `report-${category.code}`,
      formVersion: 1,
      queue: `reports:${category.code}`,
      dueAt: new Date(now.getTime() + category.dueDays * 86_400_000),
      submissionKey: input.externalId ? `report:${input.externalId}` : `report:${randomUUID()}`,
      answers: {
        category: category.code,
        title: input.title,
        description: input.description,
        ...input.extra,
      },
      assessments: [],
      email: input.email,
      uprn: input.place.uprn ?? null,
      channel: input.channel,
      submittedByStaff: null,
      summary: `${localise(category.name, 'en').text}: ${input.title}`,
    });
    if (input.createdAt) {
      await tx.query('update cases set created_at = $3, updated_at = $3 where tenant_id = $1 and id = $2', [
        council.id,
        row.id,
        input.createdAt,
      ]);
      await tx.query('update case_updates set created_at = $3 where tenant_id = $1 and case_id = $2', [
        council.id,
        row.id,
        input.createdAt,
      ]);
    }
    await insertReport(tx, council.id, {
      caseId: row.id,
      reference: row.reference,
      category: category.code,
      title: input.title,
      description: input.description,
      lat: input.place.lat,
      lng: input.place.lng,
      uprn: input.place.uprn ?? null,
      addressText: input.place.addressText,
      name: input.name,
      email: input.email,
      phone: input.phone,
      hideName: input.hideName,
      extra: input.extra,
      madeOn: input.madeOn.slug,
      channel: input.channel,
      externalId: input.externalId ?? null,
      createdAt: input.createdAt,
    });
    for (const [position, photo] of input.photos.entries()) {
      const full = await deps.files.put(
        council.id,
        photo.full,
        { filename: `photo-${position + 1}.jpg`, contentType: 'image/jpeg' },
        tx,
      );
      const thumb = await deps.files.put(
        council.id,
        photo.thumb,
        { filename: `thumb-${position + 1}.jpg`, contentType: 'image/jpeg' },
        tx,
      );
      await insertPhoto(tx, council.id, row.id, {
        position,
        fileId: full.id,
        thumbFileId: thumb.id,
        width: photo.width,
        height: photo.height,
      });
    }
    if (input.email) await addFollower(tx, council.id, row.id, input.email, true);
    if (category.backoffice)
      await enqueue(tx, { tenantId: council.id, kind: pushJobKind, payload: { caseId: row.id } });
    if (!input.quiet) {
      const origin = publicOrigin(deps.config, council.slug);
      const t = deps.i18n.t(input.lang);
      const councilName = localise(council.name, input.lang).text;
      if (input.email) {
        await deps.mailer.send(tx, council.id, {
          to: input.email,
          subject: t('reports.email.sent-subject', { reference: row.reference }),
          text: t('reports.email.sent-body', {
            title: input.title,
            category: localise(category.name, input.lang).text,
            council: councilName,
            reference: row.reference,
            link: `${origin}/reports/${row.reference}`,
            stop: followLink(deps, council, row.id, input.email, 'stop'),
          }),
        });
      }
      for (const alert of await alertsCovering(tx, council.id, input.place)) {
        await deps.mailer.send(tx, council.id, {
          to: alert.email,
          subject: t('reports.email.alert-subject', { title: input.title }),
          text: t('reports.email.alert-body', {
            title: input.title,
            category: localise(category.name, input.lang).text,
            address: input.place.addressText,
            link: `${origin}/reports/${row.reference}`,
            stop: `${origin}/alerts/${alert.groupId}/stop?token=${deps.signer.sign('report-alert', alert.groupId)}`,
          }),
        });
      }
    }
    const report = await findReportByCase(tx, council.id, row.id);
    return { kind: 'created', council, category, report: report! } as const;
  });
}

/** A signed link that confirms or stops one person's emails about one report. */
export function followLink(
  deps: Pick<ReportDeps, 'signer' | 'config'>,
  council: Tenant,
  caseId: string,
  email: string,
  action: 'confirm' | 'stop',
): string {
  const token = deps.signer.sign(`report-follow-${action}`, `${council.id}:${caseId}:${email}`);
  const query = new URLSearchParams({ email, token });
  return `${publicOrigin(deps.config, council.slug)}/reports/follow/${caseId}/${action}?${query}`;
}

export function followTokenValid(
  signer: Signer,
  tenantId: string,
  caseId: string,
  email: string,
  action: 'confirm' | 'stop',
  token: unknown,
) {
  return signer.verify(`report-follow-${action}`, `${tenantId}:${caseId}:${email}`, token);
}

/**
 * A public update on a report, from staff or the back office, with its status: written
 * once (a back office's update_id seen before is skipped), shown on the report's page and
 * emailed to everyone following it. Returns false when it had been recorded already.
 */
export async function addReportUpdate(
  deps: Pick<ReportDeps, 'mailer' | 'signer' | 'config' | 'i18n'>,
  tx: Queryable,
  council: Tenant,
  report: ReportRow,
  u: {
    source: 'staff' | 'backoffice' | 'api' | 'system';
    status: string;
    description: string;
    externalId?: string | null;
    at?: Date;
    quiet?: boolean;
  },
): Promise<boolean> {
  const id = await insertUpdate(tx, council.id, {
    caseId: report.caseId,
    source: u.source,
    status: u.status,
    description: u.description,
    externalId: u.externalId,
    at: u.at,
  });
  if (!id) return false;
  if (u.status !== report.status || u.description) {
    await insertCaseUpdate(
      tx,
      council.id,
      report.caseId,
      u.status,
      u.description ? { en: u.description } : null,
    );
    if (u.at) {
      await tx.query(
        `update case_updates set created_at = $3 where tenant_id = $1 and id = (select max(id) from case_updates where tenant_id = $1 and case_id = $2)`,
        [council.id, report.caseId, u.at],
      );
    }
  }
  if (u.quiet) return true;
  const t = deps.i18n.t('en');
  const origin = publicOrigin(deps.config, council.slug);
  for (const email of await confirmedFollowers(tx, council.id, report.caseId)) {
    await deps.mailer.send(tx, council.id, {
      to: email,
      subject: t('reports.email.update-subject', { reference: report.reference }),
      text: t('reports.email.update-body', {
        title: report.title,
        status: t(`reports.status.${u.status}`),
        description: u.description || '-',
        link: `${origin}/reports/${report.reference}`,
        stop: followLink(deps, council, report.caseId, email, 'stop'),
      }),
    });
  }
  return true;
}

// ---------------------------------------------------------------------------------------
// Statuses: Doorstep's case statuses and the upper-case ones of the FixMyStreet updates
// extension.

const fromOpen311: Record<string, string> = {
  OPEN: 'received',
  INVESTIGATING: 'in-progress',
  IN_PROGRESS: 'in-progress',
  ACTION_SCHEDULED: 'in-progress',
  FIXED: 'completed',
  CLOSED: 'closed',
  DUPLICATE: 'closed',
  NOT_COUNCILS_RESPONSIBILITY: 'closed',
  NO_FURTHER_ACTION: 'closed',
  INTERNAL_REFERRAL: 'closed',
  UNABLE_TO_FIX: 'closed',
};

export function statusFromOpen311(value: string): string | undefined {
  return fromOpen311[value.toUpperCase()];
}

export function statusToOpen311Update(status: string): string {
  switch (status) {
    case 'received':
      return 'OPEN';
    case 'completed':
      return 'FIXED';
    case 'closed':
      return 'CLOSED';
    default:
      return 'IN_PROGRESS';
  }
}

/** GeoReport v2's own status: open or closed. */
export function open311Status(status: string): 'open' | 'closed' {
  return status === 'completed' || status === 'closed' ? 'closed' : 'open';
}

/**
 * What a person follows in this council, with the one-click links that stop each: reports
 * they asked to hear about, and alerts for new reports near a postcode (for My Account).
 */
export async function alertsFollowedBy(
  deps: Pick<ReportDeps, 'signer' | 'config'> & { db: Queryable },
  council: Tenant,
  emails: string[],
) {
  const [reports, areas] = await Promise.all([
    followedReports(deps.db, council.id, emails),
    areaAlertsOf(deps.db, council.id, emails),
  ]);
  // The same links as in the emails, as paths: the person is on this council's site already.
  const path = (link: string) => {
    const url = new URL(link);
    return `${url.pathname}${url.search}`;
  };
  return {
    reports: reports.map((r) => ({
      reference: r.reference,
      title: r.title,
      status: r.status,
      stop: path(followLink(deps, council, r.caseId, r.email, 'stop')),
    })),
    areas: areas.map((a) => ({
      postcode: a.postcode,
      radiusM: a.radiusM,
      stop: `/alerts/${a.groupId}/stop?token=${encodeURIComponent(deps.signer.sign('report-alert', a.groupId))}`,
    })),
  };
}
