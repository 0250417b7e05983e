// Turns zod issues into field-level messages in the user's language. The same
// function serves the service's 400 replies and the main process's IPC checks.
import type { z } from 'zod';
import { AppError, errorMessage, isErrorCode, type FieldIssue, type Lang } from './errors';
import { fieldLabel } from './fields';
import { LOGIN_NAME_PARAMS, PASSWORD_PARAMS } from './credentials';

type Issue = z.core.$ZodIssue;

const RULE_PARAMS: Record<string, Record<string, number>> = {
  LOGIN_NAME_RULE: LOGIN_NAME_PARAMS,
  PASSWORD_RULE: PASSWORD_PARAMS,
};

function describeIssue(issue: Issue, lang: Lang): FieldIssue {
  const field = issue.path.map(String).join('.') || '(body)';
  const label = fieldLabel(field, lang);
  // A bound on a number that carries its own rule (MONEY_TOO_LARGE on an amount or
  // a fee, MONEY_DECIMALS on fen with a fraction) is worded by that rule.
  const numberRule =
    ((issue.code === 'too_big' || issue.code === 'too_small') && issue.origin !== 'string') ||
    (issue.code === 'invalid_type' && issue.expected === 'int');
  if (numberRule && isErrorCode(issue.message)) {
    return {
      field,
      rule: issue.message,
      message: `${label}: ${errorMessage(issue.message, lang, RULE_PARAMS[issue.message])}`,
    };
  }
  switch (issue.code) {
    case 'invalid_type': {
      // Parsed with reportInput, so a missing field is one whose input is undefined.
      const missing = (issue as { input?: unknown }).input === undefined;
      return {
        field,
        rule: missing ? 'required' : 'type',
        message: errorMessage(missing ? 'RULE_REQUIRED' : 'RULE_TYPE', lang, { field: label }),
      };
    }
    case 'too_big':
      if (issue.origin === 'string') {
        return {
          field,
          rule: 'max',
          message: errorMessage('RULE_TOO_LONG', lang, { field: label, max: Number(issue.maximum) }),
        };
      }
      return { field, rule: 'max', message: errorMessage('RULE_FORMAT', lang, { field: label }) };
    case 'too_small':
      if (issue.origin === 'string') {
        const min = Number(issue.minimum);
        return min <= 1
          ? { field, rule: 'required', message: errorMessage('RULE_REQUIRED', lang, { field: label }) }
          : { field, rule: 'min', message: errorMessage('RULE_TOO_SHORT', lang, { field: label, min }) };
      }
      return { field, rule: 'min', message: errorMessage('RULE_FORMAT', lang, { field: label }) };
    case 'unrecognized_keys':
      return {
        field: issue.keys.join(','),
        rule: 'unknown',
        message: errorMessage('RULE_UNKNOWN_FIELD', lang, { field: issue.keys.join(', ') }),
      };
    default: {
      if (isErrorCode(issue.message)) {
        return {
          field,
          rule: issue.message,
          message: `${label}: ${errorMessage(issue.message, lang, RULE_PARAMS[issue.message])}`,
        };
      }
      return { field, rule: issue.code, message: errorMessage('RULE_FORMAT', lang, { field: label }) };
    }
  }
}

/** One message per field: the first rule it breaks (zod may report a length check on a value of the wrong type too). */
export function describeIssues(issues: readonly Issue[], lang: Lang): FieldIssue[] {
  const seen = new Set<string>();
  const out: FieldIssue[] = [];
  for (const issue of issues) {
    const described = describeIssue(issue, lang);
    if (seen.has(described.field)) continue;
    seen.add(described.field);
    out.push(described);
  }
  return out;
}

/** A VALIDATION AppError listing every failing field. */
export function validationError(issues: readonly Issue[], lang: Lang): AppError {
  const fields = describeIssues(issues, lang);
  return new AppError('VALIDATION', { detail: fields.map((f) => f.message).join('; ') }, fields);
}

/** Parses or throws a VALIDATION AppError; the boundary check of every handler. */
export function parseOrThrow<T extends z.ZodType>(schema: T, value: unknown, lang: Lang): z.output<T> {
  const result = schema.safeParse(value, { reportInput: true });
  if (!result.success) throw validationError(result.error.issues, lang);
  return result.data;
}
