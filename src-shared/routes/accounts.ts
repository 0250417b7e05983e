// What a corporate e-banking user and a member-system user share: the markets
// with their owner's contract, and the member accounts (contracts and their
// detail sub-accounts) with their transactions. The service resolves the owner
// (the enterprise or the member) from the session; each route lists the
// permission of either kind of user, any one of which opens it.
import { z } from 'zod';
import {
  CancelCheck,
  EnterpriseMarket,
  MemberAccount,
  MemberTxnQuery,
  Transaction,
  TransactionPage,
} from '../api/settlement';
import { defineRoutes, PathId } from './define';

const ContractParams = z.object({ contractId: PathId });

export const accountRoutes = defineRoutes('accounts', {
  'accounts.markets': {
    method: 'GET',
    path: '/markets/mine',
    reply: z.array(EnterpriseMarket),
    audience: 'desktop',
    summary: 'Every market, with the owner’s active contract (and, for an enterprise, a pending sign)',
  },
  'accounts.list': {
    method: 'GET',
    path: '/member-accounts',
    input: z.object({ status: z.enum(['active', 'all']).default('active') }),
    reply: z.array(MemberAccount),
    audience: 'desktop',
    perm: ['ebank.settle.memberQuery', 'member.ledger'],
    summary: '会员账户 / 会员附属台帐: the owner’s contracts and their detail sub-accounts',
  },
  'accounts.get': {
    method: 'GET',
    path: '/member-accounts/:contractId',
    params: ContractParams,
    reply: MemberAccount,
    audience: 'desktop',
    // Pages that move money need the account too.
    perm: [
      'ebank.settle.memberQuery',
      'ebank.settle.deposit',
      'ebank.settle.withdraw',
      'ebank.settle.contract',
      'member.ledger',
    ],
    summary: 'One member account of the owner',
  },
  'accounts.cancelCheck': {
    method: 'GET',
    path: '/member-accounts/:contractId/cancel-check',
    params: ContractParams,
    reply: CancelCheck,
    audience: 'desktop',
    perm: ['ebank.settle.contract', 'member.contract'],
    summary: 'Whether a contract may be cancelled now, and every reason it may not, before anything is signed',
  },
  'accounts.transactions': {
    method: 'GET',
    path: '/member-accounts/:contractId/transactions',
    params: ContractParams,
    input: MemberTxnQuery,
    reply: TransactionPage,
    audience: 'desktop',
    perm: ['ebank.settle.memberQuery', 'member.ledger'],
    summary: 'A member account’s transactions: today or history, deposit/withdraw or clearing',
  },
  'accounts.transaction': {
    method: 'GET',
    path: '/member-accounts/:contractId/transactions/:entryId',
    params: z.object({ contractId: PathId, entryId: PathId }),
    reply: Transaction,
    audience: 'desktop',
    perm: ['ebank.settle.memberQuery', 'member.ledger'],
    summary: 'One transaction of a member account',
  },
});
