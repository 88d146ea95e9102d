/**
 * iCalendar (RFC 5545, with the iTIP methods of RFC 5546) for one person's place at an
 * event. Times are written in Europe/London with its VTIMEZONE, so a calendar shows 18:30
 * whether the event falls in GMT or BST; the UID is the registration's, so an update
 * (a higher SEQUENCE) or a cancellation replaces the entry rather than adding another.
 */

import { londonParts } from '../catalogue/london-time.ts';
import { escapeText, foldLine } from '../local-info/ics.ts';

export interface CalendarInvite {
  method: 'PUBLISH' | 'REQUEST' | 'CANCEL';
  uid: string;
  sequence: number;
  startsAt: Date;
  endsAt: Date;
  summary: string;
  description: string;
  location?: string;
  url?: string;
  organiser: { name: string; email: string };
  attendee?: { name: string; email: string };
  now: Date;
}

const londonTime = (at: Date) => {
  const p = londonParts(at);
  return `${p.year}${p.month}${p.day}T${p.time.replace(':', '')}00`;
};
const utcStamp = (at: Date) => `${at.toISOString().replace(/[-:]/g, '').slice(0, 15)}Z`;
/** Parameter values with a comma, colon or semicolon are quoted (3.2); quotes themselves cannot appear. */
const param = (value: string) => {
  const clean = value.replace(/["\r\n]/g, '');
  return /[,:;]/.test(clean) ? `"${clean}"` : clean;
};

// The UK's rule since 1996: BST from 01:00 UTC on the last Sunday of March to 01:00 UTC on the last Sunday of October.
const vtimezone = [
  'BEGIN:VTIMEZONE',
  'TZID:Europe/London',
  'BEGIN:DAYLIGHT',
  'TZOFFSETFROM:+0000',
  'TZOFFSETTO:+0100',
  'TZNAME:BST',
  'DTSTART:19810329T010000',
  'RRULE:FREQ=YEARLY;BYMONTH=3;BYDAY=-1SU',
  'END:DAYLIGHT',
  'BEGIN:STANDARD',
  'TZOFFSETFROM:+0100',
  'TZOFFSETTO:+0000',
  'TZNAME:GMT',
  'DTSTART:19961027T020000',
  'RRULE:FREQ=YEARLY;BYMONTH=10;BYDAY=-1SU',
  'END:STANDARD',
  'END:VTIMEZONE',
];

export function inviteCalendar(invite: CalendarInvite): string {
  const lines = [
    'BEGIN:VCALENDAR',
    'VERSION:2.0',
    'PRODID:-//Doorstep//Events//EN',
    'CALSCALE:GREGORIAN',
    `METHOD:${invite.method}`,
    ...vtimezone,
    'BEGIN:VEVENT',
    `UID:${invite.uid}`,
    `SEQUENCE:${invite.sequence}`,
    `DTSTAMP:${utcStamp(invite.now)}`,
    `DTSTART;TZID=Europe/London:${londonTime(invite.startsAt)}`,
    `DTEND;TZID=Europe/London:${londonTime(invite.endsAt)}`,
    `SUMMARY:${escapeText(invite.summary)}`,
    `DESCRIPTION:${escapeText(invite.description)}`,
    ...(invite.location ? [`LOCATION:${escapeText(invite.location)}`] : []),
    ...(invite.url ? [`URL:${invite.url}`] : []),
    `ORGANIZER;CN=${param(invite.organiser.name)}:mailto:${invite.organiser.email}`,
    ...(invite.attendee
      ? [
          `ATTENDEE;CN=${param(invite.attendee.name)};ROLE=REQ-PARTICIPANT;PARTSTAT=${
            invite.method === 'CANCEL' ? 'DECLINED' : 'ACCEPTED'
          }:mailto:${invite.attendee.email}`,
        ]
      : []),
    `STATUS:${invite.method === 'CANCEL' ? 'CANCELLED' : 'CONFIRMED'}`,
    'END:VEVENT',
    'END:VCALENDAR',
  ];
  return `${lines.map(foldLine).join('\r\n')}\r\n`;
}
