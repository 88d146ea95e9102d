import type { Translate } from '../../platform/i18n/catalogue.ts';
import { type Language, localise } from '../../platform/i18n/local-text.ts';
import type {
  AddressAnswer,
  AnswerValue,
  FieldError,
  ItemAnswers,
  LocalText,
  Question,
  RawValues,
} from './engine/index.ts';
import { formatMoney, messageText } from './engine/index.ts';

/** A question as the template needs it: which govuk-frontend macro, and its parameters. */
export interface QuestionView {
  id: string;
  type: Question['type'];
  macro:
    | 'input'
    | 'textarea'
    | 'characterCount'
    | 'dateInput'
    | 'radios'
    | 'checkboxes'
    | 'select'
    | 'fileUpload'
    | 'address';
  params: Record<string, unknown>;
  /** For an address: the addresses found for the postcode typed, to pick from. */
  address?: AddressView;
}

export interface AddressView {
  id: string;
  postcode: string;
  /** Undefined before a search; empty when the search found nothing. */
  found?: { uprn: string; text: string }[];
  pickedUprn: string;
  manual: { line1: string; line2: string; town: string; postcode: string };
  errors: Record<string, { text: string } | undefined>;
  lookup: boolean;
  legend: string;
  isPageHeading: boolean;
  hint?: string;
}

interface Context {
  lang: Language;
  t: Translate;
  /** The only question on a page without a title: its label is the page heading. */
  isPageHeading: boolean;
  errors: FieldError[];
  /** What was typed, when shown again with errors; else built from the stored answer. */
  values: RawValues | undefined;
  answer: AnswerValue | undefined;
  addressLookup?: { postcode: string; addresses: AddressAnswer[] };
}

const text = (value: LocalText | undefined, lang: Language) =>
  value ? localise(value, lang).text : undefined;

/** The stored answer written back as form fields, so a page shows what was given before. */
export function answerToValues(question: Question, answer: AnswerValue | undefined): RawValues {
  if (answer === undefined) return {};
  const id = question.id;
  switch (question.type) {
    case 'date': {
      const [year = '', month = '', day = ''] = String(answer).split('-');
      return {
        [`${id}-day`]: String(Number(day)),
        [`${id}-month`]: String(Number(month)),
        [`${id}-year`]: year,
      };
    }
    case 'money':
      return { [id]: formatMoney(Number(answer)).replace(/^£/, '').replace(/,/g, '') };
    case 'yesno':
      return { [id]: answer ? 'yes' : 'no' };
    case 'declaration':
      return answer ? { [id]: 'yes' } : {};
    case 'checkboxes':
      return { [id]: answer as string[] };
    case 'address': {
      const a = answer as AddressAnswer;
      return {
        [`${id}-uprn`]: a.uprn ?? '',
        [`${id}-line1`]: a.line1,
        [`${id}-line2`]: a.line2 ?? '',
        [`${id}-town`]: a.town,
        [`${id}-postcode`]: a.postcode,
      };
    }
    case 'file':
      return {};
    default:
      return { [id]: String(answer) };
  }
}

function single(values: RawValues, name: string): string {
  const v = values[name];
  return Array.isArray(v) ? (v[0] ?? '') : (v ?? '');
}

export function questionView(question: Question, ctx: Context): QuestionView {
  const { lang, t } = ctx;
  const id = question.id;
  const values = ctx.values ?? answerToValues(question, ctx.answer);
  const ownErrors = ctx.errors.filter((e) => e.questionId === id);
  const errorText = ownErrors[0] ? messageText(ownErrors[0].message, lang, t) : undefined;
  const errorMessage = errorText ? { text: errorText } : undefined;
  const label = localise(question.label, lang);
  const optional = question.required === false ? ` ${t('forms.optional')}` : '';
  const labelParams = {
    text: `${label.text}${optional}`,
    isPageHeading: ctx.isPageHeading,
    classes: ctx.isPageHeading ? 'govuk-label--l' : 'govuk-label--m',
    ...(label.lang ? { attributes: { lang: label.lang } } : {}),
  };
  const legend = {
    text: `${label.text}${optional}`,
    isPageHeading: ctx.isPageHeading,
    classes: ctx.isPageHeading ? 'govuk-fieldset__legend--l' : 'govuk-fieldset__legend--m',
  };
  const hint = question.hint ? { text: text(question.hint, lang) } : undefined;
  const base = { id, name: id, hint, errorMessage };

  switch (question.type) {
    case 'text':
      return view('input', {
        ...base,
        label: labelParams,
        value: single(values, id),
        autocomplete: question.autocomplete,
        spellcheck: question.autocomplete ? false : undefined,
      });
    case 'email':
      return view('input', {
        ...base,
        label: labelParams,
        type: 'email',
        value: single(values, id),
        autocomplete: 'email',
        spellcheck: false,
      });
    case 'phone':
      return view('input', {
        ...base,
        label: labelParams,
        type: 'tel',
        value: single(values, id),
        autocomplete: 'tel',
        classes: 'govuk-input--width-20',
      });
    case 'postcode':
      return view('input', {
        ...base,
        label: labelParams,
        value: single(values, id),
        autocomplete: 'postal-code',
        spellcheck: false,
        classes: 'govuk-input--width-10',
      });
    case 'number':
      return view('input', {
        ...base,
        label: labelParams,
        value: single(values, id),
        inputmode: question.integer ? 'numeric' : 'decimal',
        spellcheck: false,
        classes: 'govuk-input--width-10',
        ...(question.suffix ? { suffix: { text: text(question.suffix, lang) } } : {}),
      });
    case 'money':
      return view('input', {
        ...base,
        label: labelParams,
        value: single(values, id),
        inputmode: 'decimal',
        spellcheck: false,
        classes: 'govuk-input--width-10',
        prefix: { text: '£' },
      });
    case 'textarea':
      return view('characterCount', {
        ...base,
        label: labelParams,
        value: single(values, id),
        maxlength: question.maxLength ?? 5000,
        rows: question.rows ?? 5,
      });
    case 'date': {
      const parts = new Set(ownErrors.flatMap((e) => e.parts ?? ['day', 'month', 'year']));
      const item = (name: 'day' | 'month' | 'year', width: number) => ({
        name,
        label: t(`forms.date.${name}`),
        value: single(values, `${id}-${name}`),
        classes: `govuk-input--width-${width}${errorMessage && parts.has(name) ? ' govuk-input--error' : ''}`,
        ...(question.autocomplete === 'bday' ? { autocomplete: `bday-${name}` } : {}),
      });
      return view('dateInput', {
        id,
        namePrefix: id,
        fieldset: { legend },
        hint: hint ?? { text: t('forms.date.hint') },
        errorMessage,
        items: [item('day', 2), item('month', 2), item('year', 4)],
      });
    }
    case 'radios':
    case 'select':
    case 'checkboxes': {
      const chosen = values[id];
      const picked = new Set(Array.isArray(chosen) ? chosen : chosen ? [chosen] : []);
      const items = question.options.map((option) => {
        const optionLabel = localise(option.label, lang);
        return {
          value: option.value,
          text: optionLabel.text,
          ...(optionLabel.lang ? { attributes: { lang: optionLabel.lang } } : {}),
          ...(option.hint ? { hint: { text: text(option.hint, lang) } } : {}),
          ...(question.type === 'select'
            ? { selected: picked.has(option.value) }
            : { checked: picked.has(option.value) }),
          ...('exclusive' in option && option.exclusive ? { behaviour: 'exclusive' } : {}),
        };
      });
      if (question.type === 'select') {
        return view('select', {
          ...base,
          label: labelParams,
          items: [{ value: '', text: t('forms.select.choose'), selected: picked.size === 0 }, ...items],
        });
      }
      return view(question.type, {
        ...base,
        idPrefix: id,
        fieldset: { legend },
        items: items.flatMap((item, index) =>
          'behaviour' in item && index > 0 ? [{ divider: t('forms.or') }, item] : [item],
        ),
      });
    }
    case 'yesno': {
      const v = single(values, id);
      const yes = question.labels ? text(question.labels.yes, lang) : t('forms.yes');
      const no = question.labels ? text(question.labels.no, lang) : t('forms.no');
      return view('radios', {
        ...base,
        idPrefix: id,
        classes: 'govuk-radios--inline',
        fieldset: { legend },
        items: [
          { value: 'yes', text: yes, checked: v === 'yes' },
          { value: 'no', text: no, checked: v === 'no' },
        ],
      });
    }
    case 'declaration':
      return view('checkboxes', {
        ...base,
        idPrefix: id,
        fieldset: { legend },
        items: [{ value: 'yes', text: t('forms.declaration.agree'), checked: single(values, id) === 'yes' }],
      });
    case 'file':
      return view('fileUpload', {
        ...base,
        label: labelParams,
        attributes: {
          accept: question.accept.join(','),
          ...((question.maxFiles ?? 1) > 1 ? { multiple: true } : {}),
        },
        hint: {
          text: [
            text(question.hint, lang),
            t('forms.file.limits', { size: `${Math.round(question.maxBytes / 1_000_000)} MB` }),
          ]
            .filter(Boolean)
            .join(' '),
        },
      });
    case 'address': {
      const partError = (part: string) => {
        const e = ownErrors.find((x) => x.href === `#${id}-${part}` || x.parts?.includes(part));
        return e ? { text: messageText(e.message, lang, t) } : undefined;
      };
      const address: AddressView = {
        id,
        legend: legend.text,
        isPageHeading: ctx.isPageHeading,
        hint: hint?.text,
        lookup: question.lookup !== false,
        postcode: ctx.addressLookup?.postcode ?? single(values, `${id}-postcode`),
        pickedUprn: single(values, `${id}-uprn`),
        manual: {
          line1: single(values, `${id}-line1`),
          line2: single(values, `${id}-line2`),
          town: single(values, `${id}-town`),
          postcode: single(values, `${id}-postcode`),
        },
        errors: {
          any: errorMessage,
          line1: partError('line1'),
          town: partError('town'),
          postcode: partError('postcode'),
          uprn: partError('uprn'),
        },
        ...(ctx.addressLookup
          ? {
              found: ctx.addressLookup.addresses.map((a) => ({
                uprn: a.uprn ?? '',
                text: [a.line1, a.line2, a.town, a.postcode].filter(Boolean).join(', '),
              })),
            }
          : storedPick(ctx.answer)),
      };
      return { id, type: 'address', macro: 'address', params: {}, address };
    }
  }

  function view(macro: QuestionView['macro'], params: Record<string, unknown>): QuestionView {
    return { id, type: question.type, macro, params };
  }
}

/** An address picked earlier (its search long gone from the session) is shown as picked. */
function storedPick(answer: AnswerValue | undefined): { found?: { uprn: string; text: string }[] } {
  const a = answer as AddressAnswer | undefined;
  if (!a?.uprn) return {};
  return {
    found: [{ uprn: a.uprn, text: [a.line1, a.line2, a.town, a.postcode].filter(Boolean).join(', ') }],
  };
}

/** Item answers of a repeatable page as summary text, for the "add another" list. */
export function itemSummary(item: ItemAnswers): string {
  return Object.values(item)
    .map((v) => (typeof v === 'object' && v && 'line1' in v ? v.line1 : String(v)))
    .filter(Boolean)
    .join(', ');
}
