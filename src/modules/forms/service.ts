import type { Queryable } from '../../db/database.ts';
import { latestPublished } from './store.ts';

/** Whether a person can start this form now: some version of it is published. */
export async function isFormLive(q: Queryable, tenantId: string, slug: string): Promise<boolean> {
  return (await latestPublished(q, tenantId, slug)) !== undefined;
}
