import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, test } from 'node:test';
import { promisify } from 'node:util';
import { normalisePhone } from '../contact.ts';
import { jaroWinkler, soundex, trigramSimilarity } from './compare.ts';
import { candidatePairs, compare, estimate, type MatchRecord, mulberry32, score, toRecord } from './model.ts';

describe('comparators', () => {
  test('soundex, Jaro–Winkler and trigrams behave as published', () => {
    assert.equal(soundex('Robert'), 'R163');
    assert.equal(soundex('Rupert'), 'R163');
    assert.equal(soundex('Ashcraft'), 'A261');
    assert.equal(soundex('Tymczak'), 'T522');
    assert.ok(Math.abs(jaroWinkler('martha', 'marhta') - 0.9611) < 0.001);
    assert.equal(trigramSimilarity('word', 'word'), 1);
    assert.ok(trigramSimilarity('smith', 'smyth') > 0.2);
  });

  test('a phone number typed any way is one number', () => {
    for (const typed of [
      '07700 900123',
      '+44 7700 900123',
      '+44 (0)7700 900-123',
      '0044 7700900123',
      '(07700) 900123',
    ])
      assert.equal(normalisePhone(typed), '07700900123', typed);
    assert.equal(normalisePhone('call me'), undefined);
  });
});

// People with typos, swaps and missing values, as FEBRL makes them; truth by the id's number.
function synthetic(n: number, random: () => number) {
  const given = [
    'james',
    'mary',
    'oliver',
    'amelia',
    'harry',
    'isla',
    'jack',
    'ava',
    'george',
    'mia',
    'noah',
    'ivy',
  ];
  const family = [
    'smith',
    'jones',
    'taylor',
    'brown',
    'williams',
    'wilson',
    'johnson',
    'davies',
    'okonkwo',
    'evans',
    'thomas',
    'roberts',
    'walker',
    'wright',
    'hughes',
  ];
  const pick = <T>(list: T[]) => list[Math.floor(random() * list.length)]!;
  const typo = (s: string) => {
    const i = Math.floor(random() * s.length);
    return s.slice(0, i) + 'xyz'[Math.floor(random() * 3)] + s.slice(i + 1);
  };
  const rows = [];
  for (let i = 0; i < n; i++) {
    const base = {
      givenName: pick(given),
      familyName: pick(family),
      dateOfBirth: `19${40 + Math.floor(random() * 60)}-0${1 + Math.floor(random() * 9)}-1${Math.floor(random() * 9)}`,
      address: `${1 + Math.floor(random() * 200)} ${pick(['high', 'mill', 'church', 'station', 'park'])} street riverford`,
      postcode: `RF${1 + Math.floor(random() * 9)} ${1 + Math.floor(random() * 9)}AA`,
      phone: `07700${String(Math.floor(random() * 1e6)).padStart(6, '0')}`,
    };
    rows.push(toRecord({ id: `rec-${i}-org`, ...base }));
    if (i % 3 === 0) {
      rows.push(
        toRecord({
          id: `rec-${i}-dup-0`,
          ...base,
          familyName: typo(base.familyName),
          phone: random() < 0.5 ? '' : base.phone,
        }),
      );
    }
  }
  return rows;
}

/** A model estimated from the records themselves, and the pairs it keeps at 0.5: of one person (by the id's number) or not. */
function kept(records: MatchRecord[]) {
  const pairs = candidatePairs(records);
  const model = estimate(
    records,
    pairs.map(([a, b]) => compare(records[a]!, records[b]!)),
  );
  let tp = 0;
  let fp = 0;
  for (const [a, b] of pairs) {
    if (score(model, records[a]!, records[b]!).score < 0.5) continue;
    if (records[a]!.id.split('-')[1] === records[b]!.id.split('-')[1]) tp++;
    else fp++;
  }
  return { model, pairs, tp, fp };
}

describe('the Fellegi–Sunter model', () => {
  test('estimated by EM, it finds the duplicates and explains each score by field', () => {
    const records = synthetic(600, mulberry32(7));
    const { model, tp, fp } = kept(records);
    const duplicates = records.filter((r) => r.id.includes('dup')).length;
    const recall = tp / duplicates;
    const precision = tp / (tp + fp);
    assert.ok(recall > 0.9, `recall ${recall}`);
    assert.ok(precision > 0.9, `precision ${precision}`);
    const explained = score(model, records[0]!, records[1]!);
    const fields = explained.evidence.map((e) => e.field);
    assert.ok(fields.includes('familyName') && fields.includes('dateOfBirth'));
    assert.ok(explained.evidence.find((e) => e.field === 'dateOfBirth')!.weight > 0);
  });

  test('in a town of many people and few duplicates, sharing a block is not mistaken for a match', () => {
    // As a council's records are: about 40 people to a postcode, birthdays shared, thousands
    // of surnames, one person in fifty on file twice with a letter dropped from the surname.
    const random = mulberry32(11);
    const part = (list: string) => list.split(' ')[Math.floor(random() * list.split(' ').length)]!;
    const records: MatchRecord[] = [];
    for (let i = 0; i < 6000; i++) {
      const person = {
        givenName: part('oliver amelia george isla harry ava jack mia noah ivy rhys sian owen nia'),
        familyName:
          part('ash brad carl dun ell fair grant hart kirk lang mor new') +
          part('ley ton son field wood ford ham well'),
        dateOfBirth: new Date(Date.UTC(1940, 0, 1) + Math.floor(random() * 3000) * 864e5)
          .toISOString()
          .slice(0, 10),
        postcode: `RF${1 + Math.floor(i / 400)} ${Math.floor(i / 40) % 10}AA`,
        phone: `07700${String(i).padStart(6, '0')}`,
      };
      records.push(toRecord({ id: `rec-${i}-org`, ...person }));
      if (i % 50 === 0)
        records.push(
          toRecord({
            id: `rec-${i}-dup-0`,
            ...person,
            familyName: person.familyName.slice(0, 2) + person.familyName.slice(3),
          }),
        );
    }
    const { pairs, tp, fp } = kept(records);
    assert.ok(pairs.length > 20 * 120, `${pairs.length} candidate pairs`);
    assert.ok(tp >= 114, `found ${tp} of 120`);
    assert.ok(fp <= 6, `${fp} pairs of two people kept`);
  });

  test('people of one household (one property, one landline, one surname) are not taken for one person', () => {
    const random = mulberry32(5);
    const part = (list: string) => list.split(' ')[Math.floor(random() * list.split(' ').length)]!;
    const records: MatchRecord[] = [];
    for (let home = 0; home < 1500; home++) {
      const familyName =
        part('ash brad carl dun ell fair grant hart kirk lang') + part('ley ton son field wood ford');
      const where = {
        uprn: String(100000 + home),
        address: `${1 + (home % 40)} ${part('high mill church station park')} street riverford`,
        postcode: `RF${1 + Math.floor(home / 150)} ${Math.floor(home / 15) % 10}AA`,
        phone: `01632${String(home).padStart(6, '0')}`,
      };
      // Two to four people at each address; every tenth home has one of them on file twice.
      const size = 2 + (home % 3);
      // Each with their own first name, as in most homes.
      const names = 'oliver amelia george isla harry ava jack mia noah ivy rhys sian owen nia'.split(' ');
      const first = Math.floor(random() * names.length);
      for (let member = 0; member < size; member++) {
        const person = {
          ...where,
          familyName,
          givenName: names[(first + member * 5) % names.length]!,
          dateOfBirth: new Date(Date.UTC(1940, 0, 1) + Math.floor(random() * 25000) * 864e5)
            .toISOString()
            .slice(0, 10),
        };
        records.push(toRecord({ id: `rec-${home}.${member}-org`, ...person }));
        if (member === 0 && home % 10 === 0)
          records.push(
            toRecord({
              id: `rec-${home}.${member}-dup-0`,
              ...person,
              phone: '',
              givenName: `${person.givenName}e`,
            }),
          );
      }
    }
    const { tp, fp } = kept(records);
    assert.ok(tp >= 140, `found ${tp} of 150`);
    assert.ok(fp <= 7, `${fp} pairs of two people of one household kept`);
  });

  test('a record is never its own candidate, whichever keys it shares with itself', () => {
    const records = [
      toRecord({
        id: 'a',
        givenName: 'sam',
        familyName: 'smith',
        dateOfBirth: '1980-01-02',
        postcode: 'NS1 1AA',
      }),
      toRecord({
        id: 'b',
        givenName: 'sam',
        familyName: 'smyth',
        dateOfBirth: '1980-01-02',
        postcode: 'NS1 1AA',
      }),
    ];
    assert.deepEqual(candidatePairs(records), [[0, 1]]);
  });

  test('agreeing on a rare family name counts for more than on a common one', () => {
    const records = [
      ...Array.from({ length: 40 }, (_, i) =>
        toRecord({ id: `s${i}`, givenName: `g${i}`, familyName: 'smith' }),
      ),
      toRecord({ id: 'o1', givenName: 'ada', familyName: 'okonkwo' }),
      toRecord({ id: 'o2', givenName: 'bea', familyName: 'okonkwo' }),
    ];
    const model = estimate(records, []);
    const weight = (a: number, b: number) =>
      score(model, records[a]!, records[b]!).evidence.find((e) => e.field === 'familyName')!.weight;
    assert.ok(weight(40, 41) > weight(0, 1));
  });
});

describe('people:match', () => {
  test('reads FEBRL columns and prints only id_a,id_b,score lines on standard output', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'people-match-'));
    const file = path.join(dir, 'febrl.csv');
    writeFileSync(
      file,
      [
        'rec_id, given_name, surname, street_number, address_1, address_2, suburb, postcode, state, date_of_birth, soc_sec_id',
        'rec-1-org, lachlan, berry, 69, giblin street, killarney, bittern, 4814, qld, 19990219, 7364009',
        'rec-1-dup-0, lachlan, bery, 69, giblin street, killarney, bittern, 4814, qld, 19990219, 7364009',
        'rec-2-org, deakin, sondergeld, 48, goldfinch circuit, kooltuo, canterbury, 2776, vic, 19600307, 2635962',
        'rec-3-org, kate, dixon, 7, mcdowall place, lumeah, north ryde, 3103, nsw, 19240530, 1118222',
        'rec-3-dup-0, kate, dixon, 7, mcdowall place, lumeah, north ryde, 3013, nsw, 19240530, 1118222',
        'rec-4-org, william, purcell, 11, tate street, , sunnybank, 2207, nsw, 19731003, 6105223',
      ].join('\n'),
    );
    const { stdout, stderr } = await promisify(execFile)(
      process.execPath,
      [
        path.resolve(import.meta.dirname, '../../../cli/index.ts'),
        'people:match',
        file,
        '--threshold',
        '0.5',
      ],
      // A CSV needs no database: whichever one the test run uses (DATABASE_URL) is not asked.
      { env: { ...process.env, DATABASE_URL: '', DOORSTEP_DATA: dir } },
    );
    const lines = stdout.trim().split('\n');
    for (const line of lines) assert.match(line, /^[^,]+,[^,]+,(0|1)\.\d{4}$/);
    const pairs = lines.map((l) => l.split(',').slice(0, 2).sort().join(' '));
    assert.ok(pairs.includes('rec-1-dup-0 rec-1-org'), stdout);
    assert.ok(pairs.includes('rec-3-dup-0 rec-3-org'), stdout);
    assert.match(stderr, /candidate pairs/);
  });

  test('a file it cannot read is told in one line, with nothing on standard output', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'people-match-'));
    const file = path.join(dir, 'no-ids.csv');
    writeFileSync(file, 'name,email\nAda,ada@example.com\n');
    const run = promisify(execFile)(
      process.execPath,
      [path.resolve(import.meta.dirname, '../../../cli/index.ts'), 'people:match', file],
      { env: { ...process.env, DATABASE_URL: '', DOORSTEP_DATA: dir } },
    );
    await assert.rejects(run, (error: { code: number; stdout: string; stderr: string }) => {
      assert.equal(error.code, 1);
      assert.equal(error.stdout, '');
      assert.equal(error.stderr.trim(), `doorstep: ${file}: the header needs an id (or rec_id) column`);
      return true;
    });
  });

  test('prints every pair through a pipe, however many (the output is not cut short at exit)', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'people-match-'));
    const file = path.join(dir, 'many.csv');
    const random = mulberry32(7);
    const word = (n: number) =>
      Array.from({ length: n }, () => String.fromCharCode(97 + Math.floor(random() * 26))).join('');
    const rows = ['id,given_name,family_name,email,date_of_birth'];
    const pad = (n: number) => String(n).padStart(2, '0');
    for (let i = 0; i < 3000; i++) {
      const born = `19${50 + (i % 50)}-${pad(1 + (i % 12))}-${pad(1 + ((i * 7) % 28))}`;
      const person = [word(6), word(8), `${word(7)}@example.com`, born].join(',');
      rows.push(`p${i}a,${person}`, `p${i}b,${person}`);
    }
    writeFileSync(file, rows.join('\n'));
    const { stdout, stderr } = await promisify(execFile)(
      process.execPath,
      [path.resolve(import.meta.dirname, '../../../cli/index.ts'), 'people:match', file],
      { env: { ...process.env, DATABASE_URL: '', DOORSTEP_DATA: dir }, maxBuffer: 64 * 1024 * 1024 },
    );
    const reported = Number(/(\d+) pairs at or above/.exec(stderr)?.[1]);
    assert.ok(reported >= 3000, stderr);
    assert.equal(stdout.trim().split('\n').length, reported);
  });
});
