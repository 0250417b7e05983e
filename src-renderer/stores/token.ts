// The security tool as the header and the signing dialog see it: the token
// host's status (kept current by its events) and the certificates on the tokens.
import { ElMessage } from 'element-plus';
import { defineStore } from 'pinia';
import { computed, ref } from 'vue';
import type { TokenCertificate, TokenStatus } from '../../src-shared/token';
import { onEvent } from '../api/bridge';
import { tokenApi } from '../api/domains';
import { i18n } from '../i18n';

/** A login the host keeps until then; the host ends it at that time even if no status came since. */
export function isHeld(heldUntil: string | null | undefined): boolean {
  return !!heldUntil && Date.parse(heldUntil) > Date.now();
}

export const useTokenStore = defineStore('token', () => {
  const status = ref<TokenStatus | null>(null);
  const certificates = ref<TokenCertificate[]>([]);
  const progress = ref<{ done: number; total: number } | null>(null);
  const loading = ref(false);
  let listening = false;
  let lastRestart: string | null = null;

  const tokens = computed(() => status.value?.tokens ?? []);
  const fileMode = computed(() => status.value?.fileCertificates ?? false);

  function apply(next: TokenStatus) {
    if (next.restartedAt && lastRestart !== null && next.restartedAt !== lastRestart) {
      ElMessage.warning({ message: i18n.global.t('token.restarted'), duration: 6000 });
    }
    lastRestart = next.restartedAt ?? '';
    status.value = next;
  }

  function listen() {
    if (listening) return;
    listening = true;
    onEvent('token.status', (next) => {
      apply(next);
      void loadCertificates();
    });
    onEvent('token.progress', (p) => (progress.value = p));
  }

  async function refresh() {
    listen();
    loading.value = true;
    try {
      apply(await tokenApi.status());
      await loadCertificates();
    } finally {
      loading.value = false;
    }
  }

  async function loadCertificates() {
    try {
      certificates.value = await tokenApi.certificates();
    } catch {
      certificates.value = [];
    }
  }

  /** Tokens kept logged in under the PIN policy (the next signature needs no PIN). */
  const held = computed(() => tokens.value.filter((t) => isHeld(t.heldUntil)));

  /** 锁定 USB-KEY: every kept login ends now. */
  async function lock() {
    await tokenApi.lock();
    await refresh();
  }

  function tokenOf(slotId: string) {
    return tokens.value.find((t) => t.slotId === slotId) ?? null;
  }

  return {
    status,
    certificates,
    tokens,
    fileMode,
    progress,
    loading,
    held,
    refresh,
    lock,
    loadCertificates,
    tokenOf,
  };
});
