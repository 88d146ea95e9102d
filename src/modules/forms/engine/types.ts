/**
 * The form definition: versioned JSON, validated by schemas/form.schema.json and by the
 * semantic checks of definition.ts. These types describe a definition AFTER
 * `validateDefinition`, which fills the defaults (`required: true`, `checkAnswers: true`,
 * `questions: []` on content pages) and freezes it.
 */
import type { Language, LocalText } from '../../../platform/i18n/local-text.ts';

export type { Language, LocalText };

/** The schema version this engine reads. A definition states it as `schemaVersion`. */
export const schemaVersion = 1;

export interface FormDefinition {
  /** Lets an editor find the schema; ignored by the engine. */
  $schema?: string;
  schemaVersion: 1;
  slug: string;
  title: LocalText;
  description?: LocalText;
  pages: Page[];
  /** Show "Check your answers" before sending (default true). */
  checkAnswers: boolean;
  confirmation: { title: LocalText; body: LocalText };
  assessments?: Assessment[];
  privacy?: { controller?: LocalText; notes?: LocalText };
  /** Where each submission also goes, through the outbox. */
  outputs?: FormOutput[];
}

/** An email to a team inbox, or a webhook signed with the council's secret of that name. */
export type FormOutput = { type: 'email'; to: string } | { type: 'webhook'; url: string; secret: string };

export interface Page {
  /** In URLs (`/forms/<slug>/<pageId>`): lower-case words joined by hyphens. */
  id: string;
  kind: 'question' | 'content';
  title?: LocalText;
  /** Markdown-lite: paragraphs, `- ` bullets, `1. ` numbers, `## ` headings, [links](/x). */
  content?: LocalText;
  questions: Question[];
  /** Shown only when true; may refer only to questions on earlier pages. */
  condition?: Condition;
  /** An "add another" section: the page's questions are answered once per item. */
  repeat?: RepeatSpec;
}

export interface RepeatSpec {
  min: number;
  max: number;
  /** "Child", shown as "Child 1", "Child 2" on the summary. */
  itemLabel: LocalText;
  /** "Add another child". */
  addAnotherLabel: LocalText;
}

export const questionTypes = [
  'text',
  'textarea',
  'number',
  'money',
  'date',
  'email',
  'phone',
  'postcode',
  'address',
  'radios',
  'checkboxes',
  'select',
  'yesno',
  'file',
  'declaration',
] as const;
export type QuestionType = (typeof questionTypes)[number];

/** The types whose answers are picked from `options`. */
export const choiceTypes: readonly QuestionType[] = ['radios', 'checkboxes', 'select'];

/** When the data a question collects may be deleted: `period` after `from`. */
export interface Retention {
  /** ISO-8601 duration in whole years, months, weeks and days: 'P2Y', 'P6M', 'P1Y6M', 'P30D'. */
  period: string;
  /** The event the period runs from (default 'submitted'). */
  from?: RetentionStart;
}
export const retentionStarts = ['submitted', 'case-closed'] as const;
export type RetentionStart = (typeof retentionStarts)[number];

export interface Option {
  /** What is stored and what conditions compare with. */
  value: string;
  label: LocalText;
  hint?: LocalText;
  /** Checkboxes only: a "None of these" option that cannot be combined with the others. */
  exclusive?: boolean;
}

interface QuestionBase {
  /** The answer's key: /^[a-z][a-zA-Z0-9]*$/, unique in the form. */
  id: string;
  label: LocalText;
  hint?: LocalText;
  /** Default true. */
  required: boolean;
  /** Asked only when true; may refer only to questions on earlier pages. */
  condition?: Condition;
  /** Why the council collects this answer: listed on the form's privacy notice. */
  purpose: LocalText;
  retention: Retention;
  /** Replaces the generic "Enter an answer" when the question is left empty ("Select which bin was missed"). */
  requiredMessage?: LocalText;
}

export interface TextQuestion extends QuestionBase {
  type: 'text';
  /** Default 500. */
  maxLength?: number;
  /** The HTML autocomplete token, e.g. 'name', 'given-name'. */
  autocomplete?: string;
}
export interface TextareaQuestion extends QuestionBase {
  type: 'textarea';
  /** Shown with a character count. Default 5000. */
  maxLength?: number;
  rows?: number;
}
export interface NumberQuestion extends QuestionBase {
  type: 'number';
  min?: number;
  max?: number;
  integer?: boolean;
  /** Shown after the input, e.g. "hours". */
  suffix?: LocalText;
}
export interface MoneyQuestion extends QuestionBase {
  type: 'money';
  /** In pence, like the answer. */
  minPence?: number;
  maxPence?: number;
}
export interface DateQuestion extends QuestionBase {
  type: 'date';
  when?: 'past' | 'past-or-today' | 'future' | 'future-or-today';
  /** 'YYYY-MM-DD', or a duration from today: '-P28D' (28 days ago), 'P1Y' (a year from today). */
  notBefore?: string;
  notAfter?: string;
  autocomplete?: 'bday';
}
export interface EmailQuestion extends QuestionBase {
  type: 'email';
}
export interface PhoneQuestion extends QuestionBase {
  type: 'phone';
  /** Accept numbers outside the UK, written with + and the country code. Default false. */
  international?: boolean;
}
export interface PostcodeQuestion extends QuestionBase {
  type: 'postcode';
}
export interface AddressQuestion extends QuestionBase {
  type: 'address';
  /** Offer a search of the council's gazetteer by postcode (default true). */
  lookup?: boolean;
}
export interface RadiosQuestion extends QuestionBase {
  type: 'radios';
  options: Option[];
}
export interface SelectQuestion extends QuestionBase {
  type: 'select';
  options: Option[];
}
export interface CheckboxesQuestion extends QuestionBase {
  type: 'checkboxes';
  options: Option[];
  minSelected?: number;
  maxSelected?: number;
}
export interface YesNoQuestion extends QuestionBase {
  type: 'yesno';
  /** Welsh answers yes and no with the question's verb ("Ydw", "Oes"): labels may say so. */
  labels?: { yes: LocalText; no: LocalText };
}
export interface FileQuestion extends QuestionBase {
  type: 'file';
  /** MIME types, or 'image/*'. */
  accept: string[];
  maxBytes: number;
  /** Default 1. */
  maxFiles?: number;
}
export interface DeclarationQuestion extends QuestionBase {
  type: 'declaration';
}

export type Question =
  | TextQuestion
  | TextareaQuestion
  | NumberQuestion
  | MoneyQuestion
  | DateQuestion
  | EmailQuestion
  | PhoneQuestion
  | PostcodeQuestion
  | AddressQuestion
  | RadiosQuestion
  | SelectQuestion
  | CheckboxesQuestion
  | YesNoQuestion
  | FileQuestion
  | DeclarationQuestion;

export type ChoiceQuestion = RadiosQuestion | SelectQuestion | CheckboxesQuestion;

// ---------------------------------------------------------------------------------------
// Conditions

export type Scalar = string | number | boolean;

export interface AllCondition {
  all: Condition[];
}
export interface AnyCondition {
  any: Condition[];
}
export interface NotCondition {
  not: Condition;
}

/**
 * One test of one earlier answer. Exactly one operator. Unanswered: every positive test is
 * false, `notEquals` and `answered: false` are true (they are the negations of `equals` and
 * `answered: true`). Money is compared in pence, dates as 'YYYY-MM-DD'. For a question in a
 * repeatable section the positive tests mean "some item", the negative ones "no item".
 */
export type QuestionCondition = { question: string } & (
  | { equals: Scalar }
  | { notEquals: Scalar }
  | { in: Scalar[] }
  | { includes: string }
  | { answered: boolean }
  | { gt: number | string }
  | { gte: number | string }
  | { lt: number | string }
  | { lte: number | string }
);

export type Condition = AllCondition | AnyCondition | NotCondition | QuestionCondition;

export const conditionOperators = [
  'equals',
  'notEquals',
  'in',
  'includes',
  'answered',
  'gt',
  'gte',
  'lt',
  'lte',
] as const;
export type ConditionOperator = (typeof conditionOperators)[number];

// ---------------------------------------------------------------------------------------
// Assessments

export interface AssessmentResult {
  /** Stable, for staff and reports: 'likely-eligible'. */
  code: string;
  title: LocalText;
  body: LocalText;
}
export interface Assessment {
  id: string;
  title: LocalText;
  /** The first rule whose `when` holds gives the result. */
  rules: { when: Condition; result: AssessmentResult }[];
  otherwise: AssessmentResult;
}

// ---------------------------------------------------------------------------------------
// Answers

/** A picked address keeps its UPRN; one entered by hand has none. */
export interface AddressAnswer {
  uprn?: string;
  line1: string;
  line2?: string;
  town: string;
  /** Normalised: 'RF1 1AA'. */
  postcode: string;
}

/** A file the runner has received and stored; the engine sees only its description. */
export interface FileAnswer {
  /** The file store's key. */
  id: string;
  filename: string;
  /** The type the runner detected from the content, not the one the browser claimed. */
  mimeType: string;
  size: number;
}
export type UploadedFile = FileAnswer;

/**
 * text, textarea, email, phone ('+447700900982'), postcode ('RF1 1AA'), radios, select: string.
 * number: number. money: integer pence. date: 'YYYY-MM-DD'. yesno, declaration: boolean.
 * checkboxes: string[] in option order. address: AddressAnswer. file: FileAnswer[].
 */
export type AnswerValue = string | number | boolean | string[] | AddressAnswer | FileAnswer[];

/** One item of a repeatable section. */
export type ItemAnswers = Record<string, AnswerValue>;

/**
 * All answers of a form, keyed by question id; a repeatable page keeps an array of items
 * under its page id (an empty array: the person chose to add none).
 */
export type Answers = Record<string, AnswerValue | ItemAnswers[]>;

/** Form fields as @fastify/formbody gives them: a repeated name becomes an array. */
export type RawBody = Record<string, string | string[] | undefined>;

// ---------------------------------------------------------------------------------------
// Messages

/** A parameter of a message: staff-written or engine-formatted text is given in both languages. */
export type MessageParam = string | number | LocalText;

/** A catalogue key (see messages.json) and its parameters, localised by the runner. */
export interface Message {
  key: string;
  params?: Record<string, MessageParam>;
}

export interface FieldError {
  questionId: string;
  /** The input to focus from the error summary: '#binType', '#collectionDate-day'. */
  href: string;
  message: Message;
  /** Which inputs of a date or address to mark: 'day', 'month', 'year', 'line1', 'town', 'postcode'. */
  parts?: string[];
}
