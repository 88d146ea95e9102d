import type { FastifyRequest } from 'fastify';
import { allows } from '../staff/roles.ts';
import { absoluteLimitMs, type StaffSessionState } from '../staff/service.ts';
import type { KnownDetails } from './prefill.ts';

/**
 * Assisted digital: a member of staff runs a form on behalf of a person. The staff page
 * that starts it (crm) puts this in the session; the form pages prefill the person's
 * details, and the submission records the channel and the member of staff.
 */
export interface AssistedState {
  personId: string;
  staffId: string;
  tenantId: string;
  channel: 'phone' | 'face-to-face' | 'email' | 'letter';
  known: KnownDetails;
}

/** The assisted state, only while the same member of staff is signed in on this council. */
export async function assistedFor(request: FastifyRequest): Promise<AssistedState | undefined> {
  const session = await request.session();
  const assisted = session.get<AssistedState>('assisted');
  if (!assisted) return undefined;
  const staff = session.get<StaffSessionState>('staff');
  if (
    !staff ||
    staff.userId !== assisted.staffId ||
    staff.tenantId !== request.tenant.id ||
    assisted.tenantId !== request.tenant.id ||
    Date.now() - staff.signedInAt > absoluteLimitMs ||
    !allows(staff, 'contacts.handle')
  )
    return undefined;
  return assisted;
}

/** Starts a form afresh for the person: any earlier answers in this browser are left behind. */
export async function startAssisted(
  request: FastifyRequest,
  state: AssistedState,
  slug: string,
): Promise<void> {
  const session = await request.session();
  const forms = session.get<Record<string, unknown>>('forms') ?? {};
  const { [slug]: _earlier, ...rest } = forms;
  session.set('forms', rest);
  session.set('assisted', state);
}
