// What a corporate user reads and administers in e-banking besides the member
// accounts (src-shared/routes/accounts.ts): the enterprise's settlement
// accounts and their transactions, and its users. Unlocking a user or resetting
// a password is signed by the administrator, so those two steps are flows.
import { z } from 'zod';
import {
  AdminOperation,
  AdminOperationPreview,
  AdminOperationResult,
  AccountTxnQuery,
  EnterpriseUser,
  SettlementAccount,
  Transaction,
  TransactionPage,
} from '../api/settlement';
import { SignatureEnvelope } from '../signing';
import { defineRoutes, PathId } from './define';

const UserParams = z.object({ userId: PathId });

export const ebankRoutes = defineRoutes('e-banking', {
  'ebank.accounts': {
    method: 'GET',
    path: '/ebank/accounts',
    reply: z.array(SettlementAccount),
    audience: 'desktop',
    summary: 'The enterprise’s settlement accounts at this bank',
  },
  'ebank.transactions': {
    method: 'GET',
    path: '/ebank/transactions',
    input: AccountTxnQuery,
    reply: TransactionPage,
    audience: 'desktop',
    perm: 'ebank.query.txnDetail',
    summary: '交易明细: one of the enterprise’s settlement accounts’ transactions (its first unless chosen)',
  },
  'ebank.transaction': {
    method: 'GET',
    path: '/ebank/transactions/:entryId',
    params: z.object({ entryId: PathId }),
    reply: Transaction,
    audience: 'desktop',
    perm: 'ebank.query.txnDetail',
    summary: 'One bank-account transaction',
  },
  'ebank.users': {
    method: 'GET',
    path: '/ebank/users',
    reply: z.array(EnterpriseUser),
    audience: 'desktop',
    perm: 'ebank.admin.operators',
    summary: '操作员维护: the enterprise’s users',
  },
  'ebank.userOperationPreview': {
    method: 'POST',
    path: '/ebank/users/:userId/operations/preview',
    params: UserParams,
    input: z.strictObject({ operation: AdminOperation }),
    reply: AdminOperationPreview,
    audience: 'desktop',
    flowOnly: true,
    perm: 'ebank.admin.operators',
    summary: 'The challenge to sign for unlocking a user or resetting a password',
  },
  'ebank.userOperation': {
    method: 'POST',
    path: '/ebank/users/:userId/operations',
    params: UserParams,
    input: z.strictObject({ operation: AdminOperation, signature: SignatureEnvelope.optional() }),
    reply: AdminOperationResult,
    audience: 'desktop',
    flowOnly: true,
    perm: 'ebank.admin.operators',
    summary: 'Unlock a user or reset a password, signed by the administrator',
  },
});
