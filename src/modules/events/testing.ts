import assert from 'node:assert/strict';
import { textOf, type Visitor } from '../../../test/support/staff.ts';

/**
 * For tests: makes an event through the staff console, as a manager would; answers its id.
 * `fields` override a public, in-person evening event at the Town Hall.
 */
export async function createEventAsStaff(staff: Visitor, fields: Record<string, string>): Promise<string> {
  const made = await staff.post('/staff/events/new', '/staff/events/new', {
    titleEn: 'Event',
    titleCy: '',
    descriptionEn: 'About the event',
    descriptionCy: '',
    format: 'in-person',
    visibility: 'public',
    venueEn: 'Town Hall',
    venueCy: '',
    accessEn: '',
    accessCy: '',
    meetingUrl: '',
    capacity: '',
    group: '',
    start: '18:30',
    end: '20:00',
    ...fields,
  });
  assert.equal(made.statusCode, 303, textOf(made.body).slice(0, 2000));
  return String(made.headers.location).split('/').at(-1)!;
}
