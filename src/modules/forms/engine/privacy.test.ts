import assert from 'node:assert/strict';
import { test } from 'node:test';
import { describeRetention, privacyNotice, retentionEnds, retentionOf } from './privacy.ts';
import { missedBin, singlePersonDiscount } from './testing.ts';

test('the privacy notice lists every question, conditional ones too, with purpose and retention', () => {
  const notice = privacyNotice(missedBin());
  assert.deepEqual(
    notice.map((f) => f.questionId),
    ['address', 'binType', 'gardenSubscription', 'collectionDate', 'moreDetails', 'email', 'declaration'],
  );
  const email = notice.find((f) => f.questionId === 'email')!;
  assert.deepEqual(email.purpose, {
    en: 'To send you a confirmation and updates about your report.',
    cy: 'I anfon cadarnhad a diweddariadau atoch am eich adroddiad.',
  });
  assert.deepEqual(email.retention, {
    period: 'P6M',
    from: 'case-closed',
    text: { en: '6 months after the case is closed', cy: '6 mis ar ôl i’r achos gael ei gau' },
  });
  assert.ok(notice.every((f) => f.purpose.en && f.retention.text.en && f.retention.text.cy));
});

test('questions in a repeatable section are listed once', () => {
  const ids = privacyNotice(singlePersonDiscount()).map((f) => f.questionId);
  assert.equal(ids.filter((id) => id === 'adultName').length, 1);
  assert.equal(new Set(ids).size, ids.length);
});

test('retention in words, from submission by default', () => {
  assert.deepEqual(retentionOf({ retention: { period: 'P2Y' } }), {
    period: 'P2Y',
    from: 'submitted',
    text: { en: '2 years after the form is submitted', cy: '2 flynedd ar ôl i’r ffurflen gael ei chyflwyno' },
  });
  assert.equal(
    describeRetention({ period: 'P1Y', from: 'case-closed' }).text.cy,
    '1 flwyddyn ar ôl i’r achos gael ei gau',
  );
  assert.throws(() => describeRetention({ period: 'forever' }), RangeError);
});

test('when an answer may be deleted', () => {
  assert.equal(retentionEnds({ period: 'P2Y' }, { submitted: '2026-02-28T10:00:00Z' }), '2028-02-28');
  assert.equal(retentionEnds({ period: 'P6M', from: 'case-closed' }, { submitted: '2026-01-01' }), undefined);
  assert.equal(
    retentionEnds(
      { period: 'P6M', from: 'case-closed' },
      { submitted: '2026-01-01', caseClosed: '2026-08-31' },
    ),
    '2027-02-28',
  );
});
