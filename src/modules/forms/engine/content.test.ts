import assert from 'node:assert/strict';
import { test } from 'node:test';
import { contentBlocks } from './content.ts';

test('paragraphs, lists, headings and safe links', () => {
  const text = [
    'You will need:',
    '- your council tax bill',
    '- the date you moved',
    '',
    '## If you get stuck',
    'Read [our guidance](/help/council-tax) or',
    'email [the team](mailto:ctax@riverford.example).',
    '',
    '1. First',
    '2. Second',
    '   continues',
    '',
    'Not a link: [click](javascript:alert(1)) or [x](//evil.example).',
  ].join('\r\n');
  assert.deepEqual(contentBlocks(text), [
    { type: 'paragraph', inlines: [{ text: 'You will need:' }] },
    {
      type: 'list',
      ordered: false,
      items: [[{ text: 'your council tax bill' }], [{ text: 'the date you moved' }]],
    },
    { type: 'heading', inlines: [{ text: 'If you get stuck' }] },
    {
      type: 'paragraph',
      inlines: [
        { text: 'Read ' },
        { text: 'our guidance', href: '/help/council-tax' },
        { text: ' or email ' },
        { text: 'the team', href: 'mailto:ctax@riverford.example' },
        { text: '.' },
      ],
    },
    { type: 'list', ordered: true, items: [[{ text: 'First' }], [{ text: 'Second continues' }]] },
    {
      type: 'paragraph',
      inlines: [{ text: 'Not a link: [click](javascript:alert(1)) or [x](//evil.example).' }],
    },
  ]);
});

test('nothing in, nothing out; markup stays text', () => {
  assert.deepEqual(contentBlocks('  \n\n'), []);
  assert.deepEqual(contentBlocks('<b>hi</b>'), [{ type: 'paragraph', inlines: [{ text: '<b>hi</b>' }] }]);
});
