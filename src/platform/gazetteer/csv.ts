/**
 * A streaming CSV reader (RFC 4180): commas, double-quoted fields with "" for a quote and
 * line breaks inside, CRLF or LF, a UTF-8 byte order mark. Reads chunk by chunk, so a file of
 * any size takes little memory.
 */

export interface CsvRecord {
  /** The line of the file on which the record starts, from 1. */
  line: number;
  fields: string[];
  /** Why the record is malformed (a stray or unterminated quote), when it is. */
  problem?: string;
}

const State = { FieldStart: 0, Unquoted: 1, Quoted: 2, QuoteInQuoted: 3 } as const;
type State = (typeof State)[keyof typeof State];

export async function* readCsv(source: AsyncIterable<string | Uint8Array>): AsyncGenerator<CsvRecord> {
  const decoder = new TextDecoder('utf-8');
  let state: State = State.FieldStart;
  let field = '';
  let fields: string[] = [];
  let problem: string | undefined;
  let line = 1;
  let recordLine = 1;
  let afterCR = false;
  const ready: CsvRecord[] = [];

  const endRecord = () => {
    fields.push(field);
    // A blank line is no record.
    if (!(fields.length === 1 && fields[0] === '' && !problem)) {
      ready.push({ line: recordLine, fields, ...(problem ? { problem } : {}) });
    }
    field = '';
    fields = [];
    problem = undefined;
    state = State.FieldStart;
  };

  const consume = (text: string) => {
    for (let i = 0; i < text.length; i++) {
      const c = text[i]!;
      if (afterCR) {
        afterCR = false;
        if (c === '\n') continue;
      }
      const newline = c === '\n' || c === '\r';
      if (newline) {
        line++;
        if (c === '\r') afterCR = true;
      }
      switch (state) {
        case State.FieldStart:
        case State.Unquoted:
          if (c === ',') {
            fields.push(field);
            field = '';
            state = State.FieldStart;
          } else if (newline) {
            endRecord();
            recordLine = line;
          } else if (c === '"' && state === State.FieldStart) {
            state = State.Quoted;
          } else {
            if (c === '"') problem ??= 'a quote inside an unquoted value';
            field += c;
            state = State.Unquoted;
          }
          break;
        case State.Quoted:
          if (c === '"') state = State.QuoteInQuoted;
          else field += c === '\r' ? '\n' : c;
          break;
        case State.QuoteInQuoted:
          if (c === '"') {
            field += '"';
            state = State.Quoted;
          } else if (c === ',') {
            fields.push(field);
            field = '';
            state = State.FieldStart;
          } else if (newline) {
            endRecord();
            recordLine = line;
          } else {
            problem ??= 'text after a closing quote';
            field += c;
            state = State.Unquoted;
          }
          break;
      }
    }
  };

  let first = true;
  for await (const chunk of source) {
    let text = typeof chunk === 'string' ? chunk : decoder.decode(chunk, { stream: true });
    if (first && text.length) {
      if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
      first = false;
    }
    consume(text);
    yield* ready.splice(0);
  }
  consume(decoder.decode());
  if ((state as State) === State.Quoted) problem ??= 'a quoted value that never ends';
  if ((state as State) !== State.FieldStart || field !== '' || fields.length) endRecord();
  yield* ready.splice(0);
}
