/**
 * Reading one page's POST: the answers, normalised, or GOV.UK-style errors to show with the
 * input kept; or, for a POST no page of ours could send (an unknown field, a value outside
 * the options, a field sent twice, a file where text belongs), `crafted`: refuse it and
 * store nothing.
 *
 * Field names: a question's id (`binType`); a date's `<id>-day`, `<id>-month`, `<id>-year`;
 * an address's `<id>-uprn` (picked from the gazetteer) or `<id>-line1`, `<id>-line2`,
 * `<id>-town`, `<id>-postcode`; files arrive apart, keyed by the question id. Names starting
 * with `_` (`_csrf`, `_action`) belong to the runner and are ignored. Fields of a question
 * that is not shown now are ignored too (another tab may have changed an earlier answer).
 */
import { compileForm, pageOrThrow } from './form.ts';
import { dateText, fileTypeName, formatBytes, orList } from './format.ts';
import { repeatItems, resolveJourney } from './journey.ts';
import {
  formatMoney,
  isoDate,
  normaliseEmail,
  normalisePhone,
  normalisePostcode,
  parseMoney,
  parseMonth,
  parseNumber,
  resolveDate,
  todayInLondon,
} from './normalise.ts';
import type {
  AddressAnswer,
  Answers,
  AnswerValue,
  CheckboxesQuestion,
  DateQuestion,
  FieldError,
  FileAnswer,
  FileQuestion,
  FormDefinition,
  ItemAnswers,
  LocalText,
  Message,
  MessageParam,
  Page,
  Question,
  RawBody,
  UploadedFile,
} from './types.ts';

export interface ParseOptions {
  /** The answers so far: which questions are shown, and files already given. */
  answers?: Answers;
  /** On a repeatable page, the item being answered (for its files already given). */
  itemIndex?: number;
  /** 'YYYY-MM-DD'; default today in the UK. */
  today?: string;
  /** The addresses the runner offered from the gazetteer, by UPRN: a picked UPRN must be one. */
  addresses?: Readonly<Record<string, AddressAnswer>>;
}

/** The submitted text of the page's fields, to show again with the errors. */
export type RawValues = Record<string, string | string[]>;

export type ParseResult =
  | {
      kind: 'answers';
      /** For the questions shown; an optional question left empty is absent. Store with `applyPageAnswers`. */
      answers: ItemAnswers;
      /** Empty when every answer is acceptable. */
      errors: FieldError[];
      values: RawValues;
    }
  | { kind: 'crafted'; reason: string };

/** Text longer than this is not typed by a person into a page of ours. */
const hardLimit = 100_000;
const defaultTextLength = 500;
const defaultTextareaLength = 5000;
const addressLineLength = 100;

class Crafted extends Error {}

function crafted(reason: string): never {
  throw new Crafted(reason);
}

/** The body field names a question uses (none for a file: files arrive apart). */
export function fieldNames(question: Question): string[] {
  switch (question.type) {
    case 'date':
      return ['day', 'month', 'year'].map((p) => `${question.id}-${p}`);
    case 'address':
      return ['uprn', 'line1', 'line2', 'town', 'postcode'].map((p) => `${question.id}-${p}`);
    case 'file':
      return [];
    default:
      return [question.id];
  }
}

export function parsePage(
  definition: FormDefinition,
  page: Page | string,
  rawBody: RawBody,
  files: Readonly<Record<string, readonly UploadedFile[]>> = {},
  options: ParseOptions = {},
): ParseResult {
  try {
    return parse(definition, pageOrThrow(definition, page), rawBody, files, options);
  } catch (error) {
    if (error instanceof Crafted) return { kind: 'crafted', reason: error.message };
    throw error;
  }
}

function parse(
  definition: FormDefinition,
  page: Page,
  body: RawBody,
  files: Readonly<Record<string, readonly UploadedFile[]>>,
  options: ParseOptions,
): ParseResult {
  compileForm(definition);
  const answersSoFar = options.answers ?? {};
  const shown = resolveJourney(definition, answersSoFar).pages.find((v) => v.page.id === page.id);
  if (!shown) crafted(`the page "${page.id}" is not shown for the answers given so far`);

  const known = new Set(page.questions.flatMap(fieldNames));
  for (const name of Object.keys(body)) {
    if (name.startsWith('_') || body[name] === undefined) continue;
    if (known.has(name)) continue;
    if (page.questions.some((q) => q.type === 'file' && q.id === name))
      crafted(`"${name}" takes a file, and text was sent`);
    crafted(`unknown field "${name}"`);
  }
  for (const name of Object.keys(files)) {
    const question = page.questions.find((q) => q.id === name);
    if (question?.type !== 'file') crafted(`a file was sent as "${name}", which takes no file`);
  }

  const previous: ItemAnswers =
    page.repeat && options.itemIndex !== undefined
      ? (repeatItems(answersSoFar, page.id)[options.itemIndex] ?? {})
      : (answersSoFar as ItemAnswers);
  const context: Context = {
    body,
    files,
    today: options.today ?? todayInLondon(),
    addresses: options.addresses,
    previous,
  };

  const answers: ItemAnswers = {};
  const errors: FieldError[] = [];
  const values: RawValues = {};
  for (const question of shown.questions) {
    for (const name of fieldNames(question)) {
      const raw = body[name];
      if (raw !== undefined) values[name] = raw;
    }
    const result = parseQuestion(question, context);
    if (result.errors.length) errors.push(...result.errors);
    else if (result.value !== undefined) answers[question.id] = result.value;
  }
  return { kind: 'answers', answers, errors, values };
}

interface Context {
  body: RawBody;
  files: Readonly<Record<string, readonly UploadedFile[]>>;
  today: string;
  addresses: Readonly<Record<string, AddressAnswer>> | undefined;
  previous: ItemAnswers;
}

interface QuestionResult {
  value?: AnswerValue;
  errors: FieldError[];
}

const ok = (value?: AnswerValue): QuestionResult => ({ value, errors: [] });

function message(key: string, params?: Record<string, MessageParam>): Message {
  return params ? { key: `forms.error.${key}`, params } : { key: `forms.error.${key}` };
}

function fail(question: Question, msg: Message, part?: string, parts?: string[]): QuestionResult {
  const error: FieldError = {
    questionId: question.id,
    href: `#${part ? `${question.id}-${part}` : question.id}`,
    message: msg,
  };
  if (parts) error.parts = parts;
  return { errors: [error] };
}

/** The "nothing given" message: the question's own, or the type's. */
function requiredMessage(question: Question, key: string): Message {
  return question.requiredMessage ? message('custom', { text: question.requiredMessage }) : message(key);
}

function missing(question: Question, key: string, part?: string, parts?: string[]): QuestionResult {
  return question.required ? fail(question, requiredMessage(question, key), part, parts) : ok();
}

/** One value of a single-valued field: '' when absent. */
function single(body: RawBody, name: string): string {
  const raw = body[name];
  if (raw === undefined) return '';
  if (Array.isArray(raw)) crafted(`"${name}" was sent more than once`);
  if (typeof raw !== 'string') crafted(`"${name}" is not text`);
  if (raw.length > hardLimit) crafted(`"${name}" is longer than any field allows`);
  if (raw.includes('\u0000')) crafted(`"${name}" contains a NUL character`);
  return raw;
}

// biome-ignore lint/suspicious/noControlCharactersInRegex: removing control characters is the point
const controlCharacters = /[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f]/g;

/** One line of text: line breaks become spaces, control characters go, ends trimmed. */
function line(raw: string): string {
  return raw
    .replace(/\r\n?|\n|\t/g, ' ')
    .replace(controlCharacters, '')
    .trim();
}

/** Several lines: \r\n becomes \n, control characters go, ends trimmed. */
function lines(raw: string): string {
  return raw.replace(/\r\n?/g, '\n').replace(controlCharacters, '').trim();
}

function parseQuestion(question: Question, c: Context): QuestionResult {
  const id = question.id;
  switch (question.type) {
    case 'text':
    case 'textarea': {
      const text = question.type === 'text' ? line(single(c.body, id)) : lines(single(c.body, id));
      if (!text) return missing(question, 'text-required');
      const max =
        question.maxLength ?? (question.type === 'text' ? defaultTextLength : defaultTextareaLength);
      if (text.length > max) return fail(question, message('text-too-long', { max }));
      return ok(text);
    }
    case 'number': {
      const text = line(single(c.body, id));
      if (!text) return missing(question, 'number-required');
      const n = parseNumber(text);
      if (n === undefined)
        return fail(question, message(question.integer ? 'number-whole' : 'number-invalid'));
      if (question.integer && !Number.isInteger(n)) return fail(question, message('number-whole'));
      const range = rangeError('number', n, question.min, question.max, String);
      return range ? fail(question, range) : ok(n);
    }
    case 'money': {
      const text = line(single(c.body, id));
      if (!text) return missing(question, 'money-required');
      const pence = parseMoney(text);
      if (pence === undefined) return fail(question, message('money-invalid'));
      const range = rangeError('money', pence, question.minPence, question.maxPence, formatMoney);
      return range ? fail(question, range) : ok(pence);
    }
    case 'date':
      return parseDate(question, c);
    case 'email': {
      const text = line(single(c.body, id));
      if (!text) return missing(question, 'email-required');
      const email = normaliseEmail(text);
      return email ? ok(email) : fail(question, message('email-invalid'));
    }
    case 'phone': {
      const text = line(single(c.body, id));
      if (!text) return missing(question, 'phone-required');
      const phone = normalisePhone(text, question.international ?? false);
      return phone ? ok(phone) : fail(question, message('phone-invalid'));
    }
    case 'postcode': {
      const text = line(single(c.body, id));
      if (!text) return missing(question, 'postcode-required');
      const postcode = normalisePostcode(text);
      return postcode ? ok(postcode) : fail(question, message('postcode-invalid'));
    }
    case 'address':
      return parseAddress(question, c);
    case 'radios':
    case 'select': {
      const value = single(c.body, id);
      if (!value) return missing(question, 'choice-required');
      if (!question.options.some((o) => o.value === value)) crafted(`"${value}" is not an option of "${id}"`);
      return ok(value);
    }
    case 'checkboxes':
      return parseCheckboxes(question, c);
    case 'yesno': {
      const value = single(c.body, id);
      if (!value) return missing(question, 'yesno-required');
      if (value !== 'yes' && value !== 'no') crafted(`"${id}" must be yes or no`);
      return ok(value === 'yes');
    }
    case 'declaration': {
      const value = single(c.body, id);
      if (!value) return missing(question, 'declaration-required');
      if (value !== 'yes') crafted(`"${id}" can only be ticked (yes)`);
      return ok(true);
    }
    case 'file':
      return parseFiles(question, c);
  }
}

function rangeError(
  kind: 'number' | 'money',
  n: number,
  min: number | undefined,
  max: number | undefined,
  show: (n: number) => string,
): Message | undefined {
  const low = min !== undefined && n < min;
  const high = max !== undefined && n > max;
  if (!low && !high) return undefined;
  if (min !== undefined && max !== undefined)
    return message(`${kind}-between`, { min: show(min), max: show(max) });
  return low ? message(`${kind}-min`, { min: show(min!) }) : message(`${kind}-max`, { max: show(max!) });
}

function parseDate(question: DateQuestion, c: Context): QuestionResult {
  const id = question.id;
  const day = line(single(c.body, `${id}-day`));
  const month = line(single(c.body, `${id}-month`));
  const year = line(single(c.body, `${id}-year`));
  const given = { day: !!day, month: !!month, year: !!year };
  if (!day && !month && !year) return missing(question, 'date-required', 'day', ['day', 'month', 'year']);
  const absent = (['day', 'month', 'year'] as const).filter((p) => !given[p]);
  if (absent.length)
    return fail(question, message(`date-missing-${absent.join('-')}`), absent[0], [...absent]);

  const wrong: string[] = [];
  const d = /^\d{1,2}$/.test(day) ? Number(day) : undefined;
  const m = parseMonth(month);
  if (d === undefined || d < 1 || d > 31) wrong.push('day');
  if (m === undefined || m < 1 || m > 12) wrong.push('month');
  if (/^\d{1,3}$|^\d{5,}$/.test(year) && !wrong.length)
    return fail(question, message('date-year-digits'), 'year', ['year']);
  if (!/^\d{4}$/.test(year)) wrong.push('year');
  if (wrong.length) return fail(question, message('date-invalid'), wrong[0], wrong);
  const iso = isoDate(Number(year), m!, d!);
  if (!iso) return fail(question, message('date-invalid'), 'day', ['day']);

  const all = ['day', 'month', 'year'];
  const today = c.today;
  const when = question.when;
  if (
    (when === 'past' && iso >= today) ||
    (when === 'past-or-today' && iso > today) ||
    (when === 'future' && iso <= today) ||
    (when === 'future-or-today' && iso < today)
  )
    return fail(question, message(`date-${when}`), 'day', all);
  const notBefore = question.notBefore ? resolveDate(question.notBefore, today) : undefined;
  if (notBefore && iso < notBefore)
    return fail(question, message('date-not-before', { date: dateText(notBefore) }), 'day', all);
  const notAfter = question.notAfter ? resolveDate(question.notAfter, today) : undefined;
  if (notAfter && iso > notAfter)
    return fail(question, message('date-not-after', { date: dateText(notAfter) }), 'day', all);
  return ok(iso);
}

function parseAddress(question: Question & { type: 'address' }, c: Context): QuestionResult {
  const id = question.id;
  const uprn = line(single(c.body, `${id}-uprn`));
  const line1 = line(single(c.body, `${id}-line1`));
  const line2 = line(single(c.body, `${id}-line2`));
  const town = line(single(c.body, `${id}-town`));
  const postcodeText = line(single(c.body, `${id}-postcode`));
  if (uprn) {
    if (question.lookup === false) crafted(`"${id}" does not offer addresses to pick`);
    const picked = c.addresses && Object.hasOwn(c.addresses, uprn) ? c.addresses[uprn] : undefined;
    if (!picked) crafted(`the address "${uprn}" was not among those offered`);
    const answer: AddressAnswer = { uprn, line1: picked.line1, town: picked.town, postcode: picked.postcode };
    if (picked.line2) answer.line2 = picked.line2;
    return ok(answer);
  }
  if (!line1 && !line2 && !town && !postcodeText) return missing(question, 'address-required', 'line1');

  const errors: FieldError[] = [];
  const add = (part: string, msg: Message) =>
    errors.push({ questionId: id, href: `#${id}-${part}`, message: msg, parts: [part] });
  if (!line1) add('line1', message('address-line1-required'));
  else if (line1.length > addressLineLength)
    add('line1', message('address-line-too-long', { max: addressLineLength }));
  if (line2.length > addressLineLength)
    add('line2', message('address-line-too-long', { max: addressLineLength }));
  if (!town) add('town', message('address-town-required'));
  else if (town.length > addressLineLength)
    add('town', message('address-line-too-long', { max: addressLineLength }));
  const postcode = postcodeText ? normalisePostcode(postcodeText) : undefined;
  if (!postcodeText) add('postcode', message('postcode-required'));
  else if (!postcode) add('postcode', message('postcode-invalid'));
  if (errors.length) return { errors };
  const answer: AddressAnswer = { line1, town, postcode: postcode! };
  if (line2) answer.line2 = line2;
  return ok(answer);
}

function parseCheckboxes(question: CheckboxesQuestion, c: Context): QuestionResult {
  const id = question.id;
  const raw = c.body[id];
  const picked = (raw === undefined ? [] : Array.isArray(raw) ? raw : [raw]).filter((v) => v !== '');
  const seen = new Set<string>();
  for (const value of picked) {
    if (typeof value !== 'string') crafted(`"${id}" is not text`);
    if (!question.options.some((o) => o.value === value)) crafted(`"${value}" is not an option of "${id}"`);
    if (seen.has(value)) crafted(`"${value}" was sent twice for "${id}"`);
    seen.add(value);
  }
  if (!picked.length) return missing(question, 'checkboxes-required');
  const exclusive = question.options.find((o) => o.exclusive && seen.has(o.value));
  if (exclusive && picked.length > 1)
    return fail(question, message('checkboxes-exclusive', { option: exclusive.label }));
  const min = question.minSelected;
  const max = question.maxSelected;
  if (min !== undefined && picked.length < min && !exclusive)
    return fail(question, message('checkboxes-min', { min }));
  if (max !== undefined && picked.length > max) return fail(question, message('checkboxes-max', { max }));
  return ok(question.options.filter((o) => seen.has(o.value)).map((o) => o.value));
}

function parseFiles(question: FileQuestion, c: Context): QuestionResult {
  const id = question.id;
  const uploaded = c.files[id] ?? [];
  const maxFiles = question.maxFiles ?? 1;
  if (!uploaded.length) {
    const kept = c.previous[id];
    if (Array.isArray(kept) && kept.length) return ok(kept as FileAnswer[]);
    return missing(question, 'file-required');
  }
  if (uploaded.length > maxFiles) {
    if (maxFiles === 1) crafted(`"${id}" takes one file, and ${uploaded.length} were sent`);
    return fail(question, message('file-too-many', { max: maxFiles }));
  }
  const answer: FileAnswer[] = [];
  for (const file of uploaded) {
    if (
      typeof file?.id !== 'string' ||
      typeof file.filename !== 'string' ||
      typeof file.mimeType !== 'string' ||
      !Number.isSafeInteger(file.size) ||
      file.size < 0
    )
      crafted(`"${id}" received something that is not a file`);
    if (file.size === 0) return fail(question, message('file-empty'));
    if (!accepts(question.accept, file.mimeType))
      return fail(question, message('file-type', { types: orList(question.accept.map(fileTypeName)) }));
    if (file.size > question.maxBytes)
      return fail(question, message('file-too-big', { size: formatBytes(question.maxBytes) }));
    answer.push({
      id: file.id,
      filename: safeFilename(file.filename),
      mimeType: file.mimeType,
      size: file.size,
    });
  }
  return ok(answer);
}

function accepts(accept: readonly string[], mimeType: string): boolean {
  const type = mimeType.toLowerCase();
  return accept.some((a) => a === type || (a.endsWith('/*') && type.startsWith(a.slice(0, -1))));
}

/** The name without any path, control characters or surrounding space, at most 255 characters. */
export function safeFilename(name: string): string {
  const base = name.split(/[\\/]/).pop() ?? '';
  const clean = base
    .replace(controlCharacters, '')
    .replace(/[\r\n\t]/g, ' ')
    .trim();
  return (clean || 'file').slice(0, 255);
}

/** A message in one language: LocalText parameters localised, then the catalogue's text filled in. */
export function messageText(
  msg: Message,
  language: 'en' | 'cy',
  translate: (key: string, params?: Record<string, string | number>) => string,
): string {
  if (!msg.params) return translate(msg.key);
  const params: Record<string, string | number> = {};
  for (const [name, value] of Object.entries(msg.params)) params[name] = localParam(value, language);
  return translate(msg.key, params);
}

function localParam(value: MessageParam, language: 'en' | 'cy'): string | number {
  if (typeof value !== 'object') return value;
  const text = value as LocalText;
  return (language === 'cy' && text.cy?.trim()) || text.en;
}
