// The signed-in user: profile, permissions, and the idle timer that warns a
// minute before the service would end the session.
import { defineStore } from 'pinia';
import { computed, ref } from 'vue';
import type { CertificateNotice, CertificateStep, OtpStep, Profile } from '../../src-shared/api/auth';
import type { OtpAnswer } from '../../src-shared/api/registration';
import type { SignWith } from '../../src-shared/token';
import type { Permission } from '../../src-shared/menu';
import type { IpcInput } from '../../src-shared/ipc/contract';
import { onCall } from '../api/bridge';
import { authApi } from '../api/domains';

const WARNING_SECONDS = 60;

export const useSessionStore = defineStore('session', () => {
  const profile = ref<Profile | null>(null);
  /** The USB-KEY step still to pass (corporate users), and the certificate expiry notice. */
  const certificateStep = ref<CertificateStep | null>(null);
  const certificateNotice = ref<CertificateNotice | null>(null);
  /** An individual member's first login: the SMS code still to give. */
  const otpStep = ref<OtpStep | null>(null);
  const idleTimeoutSeconds = ref(600);
  /** The bank's ceiling on the PIN policy, minutes (0: the PIN at every signature); known once logged in. */
  const pinHoldMaxMinutes = ref<number | null>(null);
  const lastActivity = ref(Date.now());
  const now = ref(Date.now());
  const endedReason = ref<'idle' | 'logout' | 'service' | null>(null);
  let ticker: ReturnType<typeof setInterval> | null = null;

  const loggedIn = computed(() => profile.value !== null);
  const codes = computed(() => new Set<string>(profile.value?.permissions ?? []));
  const secondsLeft = computed(() =>
    Math.max(0, Math.ceil(idleTimeoutSeconds.value - (now.value - lastActivity.value) / 1000)),
  );
  const warning = computed(() => loggedIn.value && secondsLeft.value <= WARNING_SECONDS);

  /** Any of the codes opens it (say `all` to need every one). */
  function can(code: Permission | Permission[], mode: 'any' | 'all' = 'any'): boolean {
    const list = Array.isArray(code) ? code : [code];
    return mode === 'all' ? list.every((c) => codes.value.has(c)) : list.some((c) => codes.value.has(c));
  }

  onCall((method) => {
    if (method.startsWith('auth.') || profile.value) lastActivity.value = Date.now();
  });

  function startTicker() {
    ticker ??= setInterval(() => {
      now.value = Date.now();
      if (profile.value && secondsLeft.value <= 0) void expire();
    }, 1000);
  }

  function stopTicker() {
    if (ticker) clearInterval(ticker);
    ticker = null;
  }

  function accept(
    next: Profile,
    timeout: number,
    step: CertificateStep | null = null,
    notice: CertificateNotice | null = null,
    otp: OtpStep | null = null,
  ) {
    profile.value = next;
    certificateStep.value = step;
    otpStep.value = otp;
    certificateNotice.value = notice;
    idleTimeoutSeconds.value = timeout;
    lastActivity.value = Date.now();
    now.value = Date.now();
    endedReason.value = null;
    startTicker();
  }

  async function login(input: IpcInput<'auth.login'>) {
    const reply = await authApi.login(input);
    pinHoldMaxMinutes.value = reply.pinHoldMaxMinutes;
    accept(reply.profile, reply.idleTimeoutSeconds, reply.certificateStep, reply.certificateNotice, reply.otpStep);
    return reply.profile;
  }

  async function restore() {
    const reply = await authApi.session();
    if (reply) pinHoldMaxMinutes.value = reply.pinHoldMaxMinutes;
    if (reply)
      accept(reply.profile, reply.idleTimeoutSeconds, reply.certificateStep, reply.certificateNotice, reply.otpStep);
    else reset();
  }

  async function changePassword(input: IpcInput<'auth.changePassword'>) {
    const previousLogin = profile.value?.lastLoginAt ?? null;
    // "last login" stays the one before this session, not this session's own login
    profile.value = { ...(await authApi.changePassword(input)), lastLoginAt: previousLogin };
  }

  async function keepAlive() {
    const reply = await authApi.keepAlive();
    pinHoldMaxMinutes.value = reply.pinHoldMaxMinutes;
    accept(reply.profile, reply.idleTimeoutSeconds, reply.certificateStep, reply.certificateNotice, reply.otpStep);
  }

  async function passCertificateStep(sign: SignWith) {
    const reply = await authApi.certificate({ sign });
    const previousLogin = profile.value?.lastLoginAt ?? null;
    accept(
      { ...reply.profile, lastLoginAt: previousLogin },
      reply.idleTimeoutSeconds,
      reply.certificateStep,
      reply.certificateNotice,
    );
  }

  async function passOtpStep(answer: OtpAnswer) {
    const reply = await authApi.otp(answer);
    const previousLogin = profile.value?.lastLoginAt ?? null;
    accept({ ...reply.profile, lastLoginAt: previousLogin }, reply.idleTimeoutSeconds, null, null, null);
  }

  async function logout() {
    await authApi.logout().catch(() => undefined);
    reset('logout');
  }

  async function expire() {
    await authApi.logout().catch(() => undefined);
    reset('idle');
  }

  function reset(reason: 'idle' | 'logout' | 'service' | null = null) {
    profile.value = null;
    certificateStep.value = null;
    certificateNotice.value = null;
    otpStep.value = null;
    endedReason.value = reason;
    stopTicker();
  }

  return {
    profile,
    certificateStep,
    certificateNotice,
    otpStep,
    idleTimeoutSeconds,
    pinHoldMaxMinutes,
    loggedIn,
    secondsLeft,
    warning,
    endedReason,
    can,
    login,
    restore,
    changePassword,
    keepAlive,
    passCertificateStep,
    passOtpStep,
    logout,
    expire,
    reset,
  };
});
