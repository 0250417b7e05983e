import 'element-plus/theme-chalk/base.css';
import 'element-plus/es/components/message/style/css';
import 'element-plus/es/components/message-box/style/css';
import { createPinia } from 'pinia';
import { createApp } from 'vue';
import App from './App.vue';
import { askFirstCaptcha } from './api/first-captcha';
import { i18n } from './i18n';
import { router } from './router';
import { useAppStore } from './stores/app';
import { useSessionStore } from './stores/session';
import './styles/app.css';

async function boot() {
  const app = createApp(App);
  app.use(createPinia());
  app.use(i18n);
  const appStore = useAppStore();
  const session = useSessionStore();
  // What the app says about itself waits for the embedded service's start (its URL): it arrives while
  // the first page shows, and nothing on that page waits for it.
  void appStore.loadInfo().catch(() => undefined);
  askFirstCaptcha();
  // Settings (the language) and whether a session is still alive in the main process, asked together.
  await Promise.all([
    appStore.load().catch(() => appStore.applyLanguage('zh-CN')),
    session.restore().catch(() => session.reset()),
  ]);
  app.use(router);
  await router.isReady();
  app.mount('#app');
}

void boot();
