/**
 * Assessments: eligibility checks over the answers. For each, the first rule that holds
 * gives the result, else `otherwise`; shown to the person and recorded for staff.
 */
import { compileForm } from './form.ts';
import { visibleAnswers } from './journey.ts';
import type { Answers, AssessmentResult, FormDefinition, LocalText } from './types.ts';

export interface AssessmentOutcome {
  assessmentId: string;
  title: LocalText;
  result: AssessmentResult;
  /** The index of the rule that gave the result, or 'otherwise'. */
  rule: number | 'otherwise';
}

/** Every assessment of the form, judged on the answers to the questions shown. */
export function assess(definition: FormDefinition, answers: Answers): AssessmentOutcome[] {
  const form = compileForm(definition);
  if (!form.assessments.length) return [];
  const shown = visibleAnswers(definition, answers);
  return form.assessments.map(({ assessment, rules }) => {
    const rule = rules.findIndex((holds) => holds(shown));
    return {
      assessmentId: assessment.id,
      title: assessment.title,
      result: rule === -1 ? assessment.otherwise : assessment.rules[rule]!.result,
      rule: rule === -1 ? 'otherwise' : rule,
    };
  });
}
