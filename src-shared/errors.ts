// Error codes shared by the service, the main process and the renderer. Their
// words live in ./messages with every other shared text. The service answers
// with the code and the message in the caller's language; the renderer re-words
// from the code and params so a language switch changes messages already on screen.
import { en } from './messages/en';
import { zhCN, type SharedMessages } from './messages/zh-CN';

export type Lang = 'zh-CN' | 'en';
export const LANGS: readonly Lang[] = ['zh-CN', 'en'];

/** The shared words of each language; the renderer merges them into vue-i18n. */
export const SHARED_MESSAGES: Record<Lang, SharedMessages> = { 'zh-CN': zhCN, en };

export type ErrorCode = keyof SharedMessages['errors'];

/** Each code's template in both languages, for callers that hold a code and want either wording. */
export const ERROR_MESSAGES = Object.fromEntries(
  (Object.keys(zhCN.errors) as ErrorCode[]).map((code) => [code, { 'zh-CN': zhCN.errors[code], en: en.errors[code] }]),
) as Record<ErrorCode, Record<Lang, string>>;

/**
 * A name that exists in both languages (a market's, a bank's, a system's). It
 * travels as one parameter value so that params never depend on the language
 * of the request; the wording picks the name.
 */
export type Named = Record<Lang, string>;

export type ErrorParam = string | number | Named;
export type ErrorParams = Record<string, ErrorParam>;

/** A shared word (a login system, a card field) as a language-free parameter value. */
export function sharedWord<S extends 'loginSystem' | 'cardAuthField'>(section: S, key: keyof SharedMessages[S]): Named {
  return { 'zh-CN': zhCN[section][key] as string, en: en[section][key] as string };
}

export function isNamed(value: unknown): value is Named {
  return (
    typeof value === 'object' &&
    value !== null &&
    typeof (value as Named)['zh-CN'] === 'string' &&
    typeof (value as Named).en === 'string'
  );
}

/** One failing field, as the service and the forms report it. */
export interface FieldIssue {
  field: string;
  rule: string;
  message: string;
}

/** What crosses every boundary (HTTP, IPC) when something is refused. */
export interface AppErrorShape {
  code: ErrorCode;
  message: string;
  params?: ErrorParams;
  fields?: FieldIssue[];
}

export function isErrorCode(value: unknown): value is ErrorCode {
  return typeof value === 'string' && Object.prototype.hasOwnProperty.call(ERROR_MESSAGES, value);
}

export function interpolate(template: string, params: ErrorParams | undefined, lang: Lang): string {
  return template.replace(/\{(\w+)\}/g, (whole, name: string) => {
    const value = params?.[name];
    if (value === undefined) return whole;
    return isNamed(value) ? value[lang] : String(value);
  });
}

export function errorMessage(code: ErrorCode, lang: Lang, params?: ErrorParams): string {
  return interpolate(SHARED_MESSAGES[lang].errors[code], params, lang);
}

/** A thrown, typed error; its shape is what goes over the wire. */
export class AppError extends Error {
  readonly code: ErrorCode;
  readonly params?: ErrorParams;
  readonly fields?: FieldIssue[];
  constructor(code: ErrorCode, params?: ErrorParams, fields?: FieldIssue[]) {
    super(errorMessage(code, 'en', params));
    this.name = 'AppError';
    this.code = code;
    this.params = params;
    this.fields = fields;
  }
  toShape(lang: Lang): AppErrorShape {
    return {
      code: this.code,
      message: errorMessage(this.code, lang, this.params),
      ...(this.params ? { params: this.params } : {}),
      // A field refused by this error's own rule is worded in the caller's language too.
      ...(this.fields
        ? {
            fields: this.fields.map((f) =>
              f.rule === this.code ? { ...f, message: errorMessage(this.code, lang, this.params) } : f,
            ),
          }
        : {}),
    };
  }
  static fromShape(shape: AppErrorShape): AppError {
    const code = isErrorCode(shape.code) ? shape.code : 'INTERNAL';
    return new AppError(code, shape.params, shape.fields);
  }
}

/** Picks the language from an Accept-Language header; zh-CN unless English comes first. */
export function langFromHeader(header: string | undefined): Lang {
  if (!header) return 'zh-CN';
  const first = header.split(',')[0]?.trim().toLowerCase() ?? '';
  return first.startsWith('en') ? 'en' : 'zh-CN';
}
