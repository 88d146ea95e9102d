import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import ical from 'node-ical';
import { inviteCalendar } from './ics.ts';

const invite = (overrides: Partial<Parameters<typeof inviteCalendar>[0]> = {}) =>
  inviteCalendar({
    method: 'REQUEST',
    uid: 'abc@events.riverford.doorstep',
    sequence: 2,
    startsAt: new Date('2027-03-28T00:30:00Z'),
    endsAt: new Date('2027-03-28T01:30:00Z'),
    summary: 'Grŵp partneriaeth gwastraff; cyfarfod, agored',
    description: `${'Trafod gwastraff bwyd, ailgylchu a’r strategaeth; '.repeat(6)}\nAil linell`,
    location: 'Siambr y Cyngor, Stryd Fawr',
    organiser: { name: 'Riverford District Council', email: 'hello@riverford.example' },
    attendee: { name: 'Jones, Mari', email: 'mari@example.org' },
    now: new Date('2027-01-01T00:00:00Z'),
    ...overrides,
  });

describe('calendar invitations', () => {
  it('are RFC 5545 text: CRLF lines of at most 75 octets, read back whole by an independent parser', () => {
    const text = invite();
    assert.ok(text.endsWith('\r\n'));
    for (const line of text.split('\r\n')) assert.ok(Buffer.byteLength(line) <= 75, line);
    assert.doesNotMatch(text.replace(/\r\n/g, ''), /\n/);
    const event = Object.values(ical.sync.parseICS(text)).find((v) => v?.type === 'VEVENT') as {
      summary: string;
      description: string;
      location: string;
      uid: string;
      sequence: number;
      start: Date;
    };
    assert.equal(event.summary, 'Grŵp partneriaeth gwastraff; cyfarfod, agored');
    assert.match(event.description, /strategaeth; Trafod/);
    assert.match(event.description, /\nAil linell$/);
    assert.equal(event.location, 'Siambr y Cyngor, Stryd Fawr');
    assert.equal(event.uid, 'abc@events.riverford.doorstep');
    assert.equal(Number(event.sequence), 2);
    assert.match(
      text.replace(/\r\n /g, ''),
      /ATTENDEE;CN="Jones, Mari";ROLE=REQ-PARTICIPANT;PARTSTAT=ACCEPTED:mailto:mari@example\.org/,
    );
  });

  it('write London wall-clock times, right on the night the clocks go forward', () => {
    // 00:30 UTC on 28 March 2027 is 00:30 GMT; 01:30 UTC is 02:30 BST.
    const text = invite();
    assert.match(text, /DTSTART;TZID=Europe\/London:20270328T003000/);
    assert.match(text, /DTEND;TZID=Europe\/London:20270328T023000/);
    const event = Object.values(ical.sync.parseICS(text)).find((v) => v?.type === 'VEVENT') as {
      start: Date;
      end: Date;
    };
    assert.equal(event.start.toISOString(), '2027-03-28T00:30:00.000Z');
    assert.equal(event.end.toISOString(), '2027-03-28T01:30:00.000Z');
  });

  it('cancel with METHOD:CANCEL and a cancelled status', () => {
    const text = invite({ method: 'CANCEL' });
    assert.match(text, /METHOD:CANCEL/);
    assert.match(text, /STATUS:CANCELLED/);
    assert.match(text, /PARTSTAT=DECLINED/);
  });
});
