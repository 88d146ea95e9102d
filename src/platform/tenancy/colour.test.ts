import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { contrastRatio, readableTextOn } from './colour.ts';
import { demoCouncils } from './demo-councils.ts';

describe('council colours', () => {
  it('compute WCAG contrast', () => {
    assert.equal(Math.round(contrastRatio('#ffffff', '#000000')), 21);
    assert.equal(readableTextOn('#ffdd00'), '#0b0c0c');
    assert.equal(readableTextOn('#1d70b8'), '#ffffff');
  });

  it('give every demo council a header that passes AA (4.5:1)', () => {
    for (const council of demoCouncils) {
      assert.ok(contrastRatio(council.brand.colour, council.brand.onColour) >= 4.5, council.slug);
    }
  });
});
