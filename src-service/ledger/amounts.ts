// The single-amount bound at the domain's own door. Every HTTP route and IPC
// call already parses amounts and fees with the shared schemas; the domain
// functions are also called by the market simulator, the bank counter and
// tests, so they apply the same schemas again rather than trust their caller.
// A refusal names the field and its rule, worded in the caller's language by
// the error handler (AppError.toShape).
import { AmountFen, FeeFen } from '../../src-shared/api/settlement';
import { AppError, isErrorCode } from '../../src-shared/errors';

export function requireSingleAmounts(amounts: Record<string, number>, fees: Record<string, number> = {}): void {
  const checks = [
    ...Object.entries(amounts).map(([field, value]) => ({ field, value, schema: AmountFen })),
    ...Object.entries(fees).map(([field, value]) => ({ field, value, schema: FeeFen })),
  ];
  for (const { field, value, schema } of checks) {
    const result = schema.safeParse(value);
    if (result.success) continue;
    const rule = result.error.issues[0]?.message;
    const code = isErrorCode(rule) ? rule : 'MONEY_FORMAT';
    throw new AppError(code, undefined, [{ field, rule: code, message: '' }]);
  }
}
