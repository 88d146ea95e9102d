import type { Queryable } from '../../db/database.ts';
import type { ValidFeedback } from './service.ts';

export async function insertFeedback(q: Queryable, tenantId: string, feedback: ValidFeedback): Promise<void> {
  await q.query(
    'insert into site_feedback (tenant_id, satisfaction, comments, page) values ($1, $2, $3, $4)',
    [tenantId, feedback.satisfaction, feedback.comments, feedback.page ?? null],
  );
}
