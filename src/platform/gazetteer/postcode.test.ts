import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { isPostcode, normalisePostcode, parsePostcode } from './postcode.ts';

describe('UK postcodes', () => {
  it('normalise case and spacing', () => {
    assert.equal(normalisePostcode('rf11aa'), 'RF1 1AA');
    assert.equal(normalisePostcode('  ns1   1aa '), 'NS1 1AA');
    assert.equal(normalisePostcode('SW1A 1AA'), 'SW1A 1AA');
    assert.equal(normalisePostcode('ec1a1bb'), 'EC1A 1BB');
    assert.equal(normalisePostcode('W1A 0AX'), 'W1A 0AX');
    assert.equal(normalisePostcode('M1 1AE'), 'M1 1AE');
    assert.equal(normalisePostcode('B33 8TH'), 'B33 8TH');
    assert.equal(normalisePostcode('CR2 6XH'), 'CR2 6XH');
    assert.equal(normalisePostcode('DN55 1PT'), 'DN55 1PT');
    assert.equal(normalisePostcode('gir0aa'), 'GIR 0AA');
    assert.equal(normalisePostcode('RF9 9ZZ'), 'RF9 9ZZ');
  });

  it('tell an empty answer from a wrong one', () => {
    assert.deepEqual(parsePostcode(''), { error: 'empty' });
    assert.deepEqual(parsePostcode('   '), { error: 'empty' });
    assert.deepEqual(parsePostcode(undefined), { error: 'empty' });
    for (const bad of [
      'RF1',
      '1AA',
      'RF1 1A',
      'RF11 1AAA',
      'QF1 1AA',
      'RF1 1CA',
      'R F 1 1 A',
      'hello',
      'RF1-1AA',
    ])
      assert.deepEqual(parsePostcode(bad), { error: 'invalid' }, bad);
    assert.equal(isPostcode('RF1 1AA'), true);
    assert.equal(isPostcode('RF1 1IA'), false);
  });
});
