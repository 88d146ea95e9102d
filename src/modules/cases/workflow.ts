/**
 * Each service's own statuses: which the resident sees, in what words (English and Welsh),
 * and which close a case. A queue with none set uses the platform's five.
 */
import type { Queryable } from '../../db/database.ts';
import type { Language, Localised, LocalText } from '../../platform/i18n/local-text.ts';
import { localise } from '../../platform/i18n/local-text.ts';

export interface CaseStatus {
  status: string;
  /** Null for the platform's own statuses: their wording is in the catalogues. */
  label: LocalText | null;
  public: boolean;
  closes: boolean;
}

/** Every case starts here, so every workflow has it, shown to the resident. */
export const firstStatus = 'received';

export const defaultStatuses: readonly CaseStatus[] = [
  { status: 'received', label: null, public: true, closes: false },
  { status: 'in-progress', label: null, public: true, closes: false },
  { status: 'action-needed', label: null, public: true, closes: false },
  { status: 'completed', label: null, public: true, closes: true },
  { status: 'closed', label: null, public: true, closes: true },
];

const statusPattern = /^[a-z0-9][a-z0-9-]{0,29}$/;

/** The statuses of every queue of a council that set its own; others fall back to the defaults. */
export class StatusBook {
  readonly byQueue: Map<string, CaseStatus[]>;
  constructor(byQueue: Map<string, CaseStatus[]>) {
    this.byQueue = byQueue;
  }

  of(queue: string): readonly CaseStatus[] {
    return this.byQueue.get(queue) ?? defaultStatuses;
  }

  find(queue: string, status: string): CaseStatus | undefined {
    return this.of(queue).find((s) => s.status === status);
  }

  /** The words for a status; one no longer in the workflow still reads sensibly. */
  label(queue: string, status: string, lang: Language, t: (key: string) => string): Localised {
    const found = this.find(queue, status) ?? defaultStatuses.find((s) => s.status === status);
    if (found?.label) return localise(found.label, lang);
    const key = `case.status.${status}`;
    const text = t(key);
    return { text: text === key ? status : text, lang: undefined };
  }
}

export async function statusBook(q: Queryable, tenantId: string): Promise<StatusBook> {
  const rows = await q.query<CaseStatus & { queue: string }>(
    `select queue, status, label, public, closes from case_statuses
      where tenant_id = $1 order by queue, position, status`,
    [tenantId],
  );
  const byQueue = new Map<string, CaseStatus[]>();
  for (const { queue, ...row } of rows) {
    const list = byQueue.get(queue) ?? [];
    list.push(row);
    byQueue.set(queue, list);
  }
  return new StatusBook(byQueue);
}

export async function statusesFor(
  q: Queryable,
  tenantId: string,
  queue: string,
): Promise<readonly CaseStatus[]> {
  return (await statusBook(q, tenantId)).of(queue);
}

export interface WorkflowProblem {
  /** The row (0-based) or -1 for the workflow as a whole. */
  row: number;
  field: 'status' | 'labelEn' | 'workflow';
  message: string;
  params?: Record<string, string | number>;
}

/** The rules a workflow keeps, so no case is left in a status nobody can name or leave. */
export function checkWorkflow(statuses: readonly CaseStatus[]): WorkflowProblem[] {
  const problems: WorkflowProblem[] = [];
  const seen = new Set<string>();
  statuses.forEach((s, row) => {
    if (!statusPattern.test(s.status))
      problems.push({ row, field: 'status', message: 'casework.workflow.error-status' });
    else if (seen.has(s.status))
      problems.push({ row, field: 'status', message: 'casework.workflow.error-repeated' });
    seen.add(s.status);
    const platformOwn = defaultStatuses.some((d) => d.status === s.status);
    if (!platformOwn && !s.label?.en.trim())
      problems.push({ row, field: 'labelEn', message: 'casework.workflow.error-label' });
  });
  const first = statuses.find((s) => s.status === firstStatus);
  if (!first?.public || first.closes)
    problems.push({ row: -1, field: 'workflow', message: 'casework.workflow.error-received' });
  if (!statuses.some((s) => s.closes))
    problems.push({ row: -1, field: 'workflow', message: 'casework.workflow.error-closing' });
  return problems;
}

/** Replaces a queue's workflow; the caller checks it first and holds the transaction. */
export async function saveWorkflow(
  tx: Queryable,
  tenantId: string,
  queue: string,
  statuses: readonly CaseStatus[],
): Promise<void> {
  await tx.query('delete from case_statuses where tenant_id = $1 and queue = $2', [tenantId, queue]);
  let position = 0;
  for (const s of statuses) {
    await tx.query(
      `insert into case_statuses (tenant_id, queue, status, label, public, closes, position)
       values ($1, $2, $3, $4, $5, $6, $7)`,
      [tenantId, queue, s.status, s.label ? JSON.stringify(s.label) : null, s.public, s.closes, position++],
    );
  }
}

/** Open cases in each status of a queue: a status that still holds one cannot be removed. */
export async function openCasesByStatus(q: Queryable, tenantId: string, queue: string) {
  const rows = await q.query<{ status: string; n: number }>(
    `select status, count(*)::int as n from cases
      where tenant_id = $1 and queue = $2 and closed_at is null group by status`,
    [tenantId, queue],
  );
  return new Map(rows.map((r) => [r.status, r.n]));
}

export interface ResidentUpdate {
  status: string;
  publicNote: LocalText | null;
  createdAt: Date;
  public: boolean;
}

/** What the resident is shown: the updates they could see, and the last status among them. */
export function residentView<U extends ResidentUpdate>(history: readonly U[]) {
  const shown = history.filter((u) => u.public);
  return { shown, status: shown.at(-1)?.status ?? firstStatus };
}
