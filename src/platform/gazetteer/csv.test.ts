import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { type CsvRecord, readCsv } from './csv.ts';

async function read(chunks: (string | Uint8Array)[]): Promise<CsvRecord[]> {
  async function* source() {
    yield* chunks;
  }
  const out: CsvRecord[] = [];
  for await (const record of readCsv(source())) out.push(record);
  return out;
}

describe('reading CSV', () => {
  it('reads plain and quoted values, with the line each record starts on', async () => {
    const records = await read(['a,b,c\r\n1,"two, with comma","say ""hi"""\r\n\r\n3,"multi\nline",x\n4,,\n']);
    assert.deepEqual(records, [
      { line: 1, fields: ['a', 'b', 'c'] },
      { line: 2, fields: ['1', 'two, with comma', 'say "hi"'] },
      { line: 4, fields: ['3', 'multi\nline', 'x'] },
      { line: 6, fields: ['4', '', ''] },
    ]);
  });

  it('gives the same records however the file is cut into chunks, multi-byte characters included', async () => {
    const text = '\ufeffuprn,line1\n1,"Tŷ Gwyn, Heol y Bont"\n2,Caffi’r Bont\n3,"a ""b"" c"';
    const whole = await read([text]);
    const bytes = new TextEncoder().encode(text);
    for (const size of [1, 2, 3, 5, 7]) {
      const chunks: Uint8Array[] = [];
      for (let i = 0; i < bytes.length; i += size) chunks.push(bytes.subarray(i, i + size));
      assert.deepEqual(await read(chunks), whole, `chunks of ${size}`);
    }
    assert.deepEqual(whole, [
      { line: 1, fields: ['uprn', 'line1'] },
      { line: 2, fields: ['1', 'Tŷ Gwyn, Heol y Bont'] },
      { line: 3, fields: ['2', 'Caffi’r Bont'] },
      { line: 4, fields: ['3', 'a "b" c'] },
    ]);
  });

  it('marks badly quoted records rather than guessing silently', async () => {
    const records = await read(['a,b\n1,x"y\n2,"z"w\n3,"never closed\n4,fine\n']);
    assert.equal(records[1]?.problem, 'a quote inside an unquoted value');
    assert.equal(records[2]?.problem, 'text after a closing quote');
    assert.equal(records[3]?.line, 4);
    assert.equal(records[3]?.problem, 'a quoted value that never ends');
    assert.equal(records.length, 4);
  });
});
