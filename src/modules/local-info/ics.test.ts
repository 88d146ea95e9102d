import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { escapeText, foldLine, toICalendar } from './ics.ts';

describe('iCalendar files', () => {
  it('escape text and fold long lines at 75 octets without splitting a character', () => {
    assert.equal(escapeText('a, b; c\\d\ne'), 'a\\, b\\; c\\\\d\\ne');
    const line = `SUMMARY:${'Casgliad biniau: Gwastraff bwyd, Ŵ'.repeat(4)}`;
    const folded = foldLine(line);
    const parts = folded.split('\r\n');
    assert.ok(parts.length > 1);
    for (const [i, part] of parts.entries()) {
      assert.ok(Buffer.byteLength(part) <= 75, `line ${i} has ${Buffer.byteLength(part)} octets`);
      if (i > 0) assert.equal(part[0], ' ');
    }
    assert.equal(parts.map((p, i) => (i ? p.slice(1) : p)).join(''), line);
  });

  it('write all-day events with CRLF line ends', () => {
    const ics = toICalendar({
      name: 'Bin collections, 1 High Street',
      prodId: '-//Doorstep//riverford bin collections//EN',
      now: new Date('2026-12-21T09:30:00Z'),
      events: [
        {
          uid: '2026-12-29-1@riverford',
          date: '2026-12-29',
          summary: 'Bin collection: Recycling, Food waste',
          description: 'Moved from Monday 28 December 2026: Boxing Day bank holiday',
          alarm: { trigger: '-PT5H', description: 'Put your bins out tonight' },
        },
      ],
    });
    assert.ok(ics.endsWith('END:VCALENDAR\r\n'));
    assert.ok(!/[^\r]\n/.test(ics), 'every line ends in CRLF');
    const lines = ics.split('\r\n');
    for (const expected of [
      'BEGIN:VCALENDAR',
      'VERSION:2.0',
      'PRODID:-//Doorstep//riverford bin collections//EN',
      'X-WR-CALNAME:Bin collections\\, 1 High Street',
      'BEGIN:VEVENT',
      'UID:2026-12-29-1@riverford',
      'DTSTAMP:20261221T093000Z',
      'DTSTART;VALUE=DATE:20261229',
      'DTEND;VALUE=DATE:20261230',
      'SUMMARY:Bin collection: Recycling\\, Food waste',
      'TRIGGER:-PT5H',
      'END:VEVENT',
    ]) {
      assert.ok(lines.includes(expected), expected);
    }
  });
});
