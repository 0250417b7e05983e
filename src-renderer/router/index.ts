// Routes come from the shared menu tree: each page declares the permission it
// needs (meta.perm), the guard enforces it, and the menu shows the same tree
// filtered by the user's codes. Pages later issues build are listed in VIEWS;
// until then a page says plainly that it is not available yet.
import type { Component } from 'vue';
import { createRouter, createWebHashHistory, type RouteRecordRaw } from 'vue-router';
import { menuLeaves, type Permission } from '../../src-shared/menu';
import { useSessionStore } from '../stores/session';
// The page every start lands on is part of the entry: its code is fetched with the entry's, not after it.
import LoginView from '../views/LoginView.vue';

declare module 'vue-router' {
  interface RouteMeta {
    perm?: Permission;
    menuKey?: string;
    public?: boolean;
    passwordChange?: boolean;
    certificateStep?: boolean;
    otpStep?: boolean;
  }
}

type Lazy = () => Promise<Component>;

/** Pages that exist, by menu key (and the props their route gives them). */
const VIEWS: Record<string, { component: Lazy; props?: Record<string, unknown> }> = {
  // one 签约 for both systems: the session's system chooses maker-checker or single party
  contractSign: { component: () => import('../views/ContractSignView.vue') },
  // and one 解约
  contractCancel: { component: () => import('../views/ContractCancelView.vue') },
  deposit: { component: () => import('../views/ebank/MoneyView.vue'), props: { kind: 'deposit' } },
  withdraw: { component: () => import('../views/ebank/MoneyView.vue'), props: { kind: 'withdraw' } },
  // one page for what both systems share: the owner comes from the session
  memberAccounts: { component: () => import('../views/MemberAccountsView.vue') },
  review: { component: () => import('../views/ebank/ReviewView.vue') },
  txnDetail: { component: () => import('../views/ebank/TxnDetailView.vue') },
  operators: { component: () => import('../views/ebank/OperatorsView.vue') },
  internalReview: { component: () => import('../views/ebank/InternalReviewView.vue') },
  mSign: { component: () => import('../views/ContractSignView.vue') },
  mCancel: { component: () => import('../views/ContractCancelView.vue') },
  mBoundCard: { component: () => import('../views/member/BoundCardView.vue') },
  mLedger: { component: () => import('../views/MemberAccountsView.vue') },
  mTradePending: { component: () => import('../views/member/TradesView.vue'), props: { mode: 'pending' } },
  mTradeHistory: { component: () => import('../views/member/TradesView.vue'), props: { mode: 'approved' } },
  mSuspense: { component: () => import('../views/member/SuspenseView.vue') },
  mTransferOut: { component: () => import('../views/member/TransferOutView.vue') },
  mClose: { component: () => import('../views/member/CloseView.vue') },
  mInfo: { component: () => import('../views/member/InfoView.vue') },
  mCredentials: { component: () => import('../views/member/CredentialsView.vue') },
  mPhone: { component: () => import('../views/member/PhoneView.vue') },
};

const NotAvailable: Lazy = () => import('../views/NotAvailableView.vue');

const pageRoutes: RouteRecordRaw[] = menuLeaves().map((leaf) => ({
  path: leaf.fullPath.slice(1),
  name: leaf.key,
  component: VIEWS[leaf.key]?.component ?? NotAvailable,
  props: VIEWS[leaf.key]?.props ?? false,
  meta: { perm: leaf.perm, menuKey: leaf.key },
}));

export const routes: RouteRecordRaw[] = [
  { path: '/login', name: 'login', component: LoginView, meta: { public: true } },
  {
    path: '/certificate',
    name: 'certificate',
    component: () => import('../views/CertificateView.vue'),
    meta: { certificateStep: true },
  },
  {
    path: '/verify-phone',
    name: 'verifyPhone',
    component: () => import('../views/member/PhoneCodeView.vue'),
    meta: { otpStep: true },
  },
  // The member system's public side: a market's registration link lands on /register?market=CODE.
  {
    path: '/register',
    name: 'register',
    component: () => import('../views/member/RegisterView.vue'),
    meta: { public: true },
  },
  {
    path: '/recover',
    name: 'recover',
    component: () => import('../views/member/RecoverView.vue'),
    meta: { public: true },
  },
  // Anyone holding a printed receipt checks it here, without a login.
  {
    path: '/verify-receipt',
    name: 'verifyReceipt',
    component: () => import('../views/ReceiptVerifyView.vue'),
    meta: { public: true },
  },
  // Reachable before login too: the service URL and the token module are set here.
  { path: '/settings', name: 'settings', component: () => import('../views/SettingsView.vue'), meta: { public: true } },
  {
    path: '/change-password',
    name: 'changePassword',
    component: () => import('../views/ChangePasswordView.vue'),
    meta: { passwordChange: true },
  },
  {
    path: '/',
    component: () => import('../layouts/MainLayout.vue'),
    children: [
      { path: '', name: 'home', component: () => import('../views/HomeView.vue'), meta: { menuKey: 'home' } },
      ...pageRoutes,
    ],
  },
  { path: '/:rest(.*)*', redirect: '/' },
];

export const router = createRouter({
  // Hash history: the same URLs work from file:// in Electron and from the shell.
  history: createWebHashHistory(),
  routes,
});

router.beforeEach((to) => {
  const session = useSessionStore();
  if (to.meta.public) return true;
  if (!session.profile) return { name: 'login' };
  // the manual's first login: the initial password is changed before the certificate's sign-off
  if (session.certificateStep && session.profile.mustChangePassword)
    return to.meta.passwordChange ? true : { name: 'changePassword' };
  if (session.certificateStep) return to.meta.certificateStep ? true : { name: 'certificate' };
  if (to.meta.certificateStep) return { name: 'home' };
  if (session.otpStep) return to.meta.otpStep ? true : { name: 'verifyPhone' };
  if (to.meta.otpStep) return { name: 'home' };
  if (session.profile.mustChangePassword) return to.meta.passwordChange ? true : { name: 'changePassword' };
  if (to.meta.passwordChange) return { name: 'home' };
  if (to.meta.perm && !session.can(to.meta.perm)) return { name: 'home' };
  return true;
});
