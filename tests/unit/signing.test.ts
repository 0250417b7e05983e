// The canonical bytes are what every signature a user ever made covers: the
// service verifies old signatures (the maker's, shown to the reviewer) against
// them, and USB-KEY clients in the field build them. A refactor that changed
// one byte would break both silently — these texts are fixed on purpose, and
// a change here is a new SIGNING_PREFIX version, not an edit.
import { describe, expect, it } from 'vitest';
import { InstructionKind, PendingCounts } from '../../src-shared/api/settlement';
import {
  CanonicalEncodingError,
  canonicalBytes,
  canonicalText,
  SIGNED_FIELDS,
  signedPayload,
  type SignedKind,
} from '../../src-shared/signing';

const env = { challenge: 'q3JkNVxE4eHl0Yb9cW2sAo', time: '2025-03-14T01:02:03.000Z' };

/** Every field any kind signs, and one no kind signs (left out of every payload). */
const values = {
  serial: '20250314000123',
  enterprise: '91310000MA1FL0XX2K',
  market: 'SHFE-DEMO',
  memberCode: 'M0001',
  boundAccount: '31001234567890',
  detailAccount: '8800100000001',
  fromAccount: '31001234567890',
  toAccount: '8800100000001',
  amount: 123456,
  targetUser: 'demo.operator',
  permissions: 'ebank.settle.deposit,ebank.settle.withdraw',
  operation: 'unlock',
  instructionKind: 'withdraw',
  decision: 'reject',
  reason: '金额有误',
  member: '110101199003077777',
  account: '6222021234567890',
  details: '张三',
  loginName: 'demo.operator',
  certSerial: '0A1B2C',
  csrDigest: '9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08',
  note: 'SettleKey certificate test / 证书测试',
  unsigned: 'never encoded',
};

const text = (...lines: string[]) =>
  ['SETTLEKEY-SIGNED/1', ...lines, `challenge=${env.challenge}`, `time=${env.time}`, ''].join('\n');

const MONEY_LINES = [
  'serial=20250314000123',
  'enterprise=91310000MA1FL0XX2K',
  'market=SHFE-DEMO',
  'memberCode=M0001',
  'fromAccount=31001234567890',
  'toAccount=8800100000001',
  'amount=123456',
];
const EXPECTED: Record<SignedKind, string> = {
  login: text('kind=login', 'loginName=demo.operator', 'certSerial=0A1B2C'),
  signOff: text('kind=signOff', 'loginName=demo.operator', 'certSerial=0A1B2C'),
  certificateTest: text(
    'kind=certificateTest',
    'loginName=demo.operator',
    'certSerial=0A1B2C',
    'note=SettleKey certificate test / 证书测试',
  ),
  renewal: text(
    'kind=renewal',
    'loginName=demo.operator',
    'certSerial=0A1B2C',
    'csrDigest=9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08',
  ),
  sign: text(
    'kind=sign',
    'serial=20250314000123',
    'enterprise=91310000MA1FL0XX2K',
    'market=SHFE-DEMO',
    'memberCode=M0001',
    'boundAccount=31001234567890',
  ),
  cancel: text(
    'kind=cancel',
    'serial=20250314000123',
    'enterprise=91310000MA1FL0XX2K',
    'market=SHFE-DEMO',
    'memberCode=M0001',
    'detailAccount=8800100000001',
  ),
  // a deposit and a withdrawal sign the same fields; only the kind tells them apart
  deposit: text('kind=deposit', ...MONEY_LINES),
  withdraw: text('kind=withdraw', ...MONEY_LINES),
  menu: text(
    'kind=menu',
    'serial=20250314000123',
    'enterprise=91310000MA1FL0XX2K',
    'targetUser=demo.operator',
    'permissions=ebank.settle.deposit,ebank.settle.withdraw',
  ),
  adminOperation: text(
    'kind=adminOperation',
    'serial=20250314000123',
    'enterprise=91310000MA1FL0XX2K',
    'targetUser=demo.operator',
    'operation=unlock',
  ),
  decision: text(
    'kind=decision',
    'serial=20250314000123',
    'instructionKind=withdraw',
    'decision=reject',
    'reason=金额有误',
  ),
  memberOperation: text(
    'kind=memberOperation',
    'serial=20250314000123',
    'member=110101199003077777',
    'operation=unlock',
    'market=SHFE-DEMO',
    'memberCode=M0001',
    'account=6222021234567890',
    'amount=123456',
    'details=张三',
  ),
};

describe('canonical bytes', () => {
  it('has a fixed expected text for every kind there is', () => {
    expect(Object.keys(EXPECTED).sort()).toEqual(Object.keys(SIGNED_FIELDS).sort());
  });

  it.each(Object.keys(EXPECTED) as SignedKind[])('%s: the bytes are exactly the fixed text, in UTF-8', (kind) => {
    const payload = signedPayload(kind, values, env);
    expect(canonicalText(payload)).toBe(EXPECTED[kind]);
    expect(Buffer.from(canonicalBytes(payload)).equals(Buffer.from(EXPECTED[kind], 'utf8'))).toBe(true);
  });

  it('does not depend on the order the fields arrive in', () => {
    const reversed = Object.fromEntries(Object.entries(values).reverse());
    for (const kind of Object.keys(EXPECTED) as SignedKind[]) {
      expect(canonicalText(signedPayload(kind, reversed, env))).toBe(EXPECTED[kind]);
    }
  });

  it('refuses a missing field, a fractional amount and a line break rather than sign something else', () => {
    const { boundAccount: _, ...withoutBound } = values;
    expect(() => canonicalText(signedPayload('sign', withoutBound, env))).toThrow(CanonicalEncodingError);
    expect(() => canonicalText(signedPayload('deposit', { ...values, amount: 1.5 }, env))).toThrow(
      CanonicalEncodingError,
    );
    expect(() => canonicalText(signedPayload('decision', { ...values, reason: 'a\nb' }, env))).toThrow(
      CanonicalEncodingError,
    );
  });

  it('signs every instruction kind, each with its serial first', () => {
    for (const kind of InstructionKind.options) expect(SIGNED_FIELDS[kind][0]).toBe('serial');
  });
});

describe('pending counts', () => {
  it('count every instruction kind, and only those', () => {
    expect(Object.keys(PendingCounts.shape)).toEqual(InstructionKind.options);
  });
});
