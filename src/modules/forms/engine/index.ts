/**
 * The form engine's pure core: a definition and answers in, pages, errors, summaries and
 * assessments out. No HTTP, no database, no clock unless asked (dates default to today in
 * the UK). The runner renders and stores; this decides.
 */
export { type AssessmentOutcome, assess } from './assess.ts';
export { benchConditions, benchJourney } from './bench.ts';
export {
  type CompileContext,
  compileCondition,
  evaluateCondition,
  isAnswered,
  type Predicate,
  questionsOf,
} from './conditions.ts';
export { type Block, contentBlocks, type Inline } from './content.ts';
export { type DefinitionResult, defineForm, validateDefinition } from './definition.ts';
export { type CompiledForm, compileForm, findPage, findQuestion } from './form.ts';
export { dateText, formatDate, periodText } from './format.ts';
export {
  applyPageAnswers,
  canAddRepeatItem,
  firstIncompletePage,
  firstPageId,
  isComplete,
  type Journey,
  lastPageId,
  nextPageId,
  pageAllowed,
  previousPageId,
  removeRepeatItem,
  repeatItems,
  resolveJourney,
  setRepeatItem,
  setRepeatItems,
  type VisiblePage,
  visibleAnswers,
  visiblePages,
  visibleQuestions,
} from './journey.ts';
export {
  addPeriod,
  formatMoney,
  formatPhone,
  normaliseEmail,
  normalisePhone,
  normalisePostcode,
  parseMoney,
  parsePeriod,
  todayInLondon,
} from './normalise.ts';
export {
  fieldNames,
  messageText,
  type ParseOptions,
  type ParseResult,
  parsePage,
  type RawValues,
} from './parse.ts';
export {
  describeRetention,
  type PrivacyField,
  privacyNotice,
  type RetentionRule,
  retentionEnds,
  retentionOf,
} from './privacy.ts';
export { formSchema } from './schema.ts';
export {
  type ChangeLinkTarget,
  displayAnswer,
  type SummaryOptions,
  type SummaryRow,
  summarise,
  yesNoLabels,
} from './summary.ts';
export * from './types.ts';
