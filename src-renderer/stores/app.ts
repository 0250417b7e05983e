// Language and settings: vue-i18n, Element Plus and dayjs switch together from
// this one value, and it is saved in the client's settings.
import dayjs from 'dayjs';
import 'dayjs/locale/zh-cn';
import 'dayjs/locale/en';
import { defineStore } from 'pinia';
import { ref } from 'vue';
import type { Lang } from '../../src-shared/errors';
import type { AppInfo, Settings, SettingsPatch } from '../../src-shared/ipc/settings';
import { appApi, settingsApi } from '../api/domains';
import { i18n } from '../i18n';

export const useAppStore = defineStore('app', () => {
  const language = ref<Lang>('zh-CN');
  const info = ref<AppInfo | null>(null);
  const settings = ref<Settings | null>(null);

  function applyLanguage(lang: Lang) {
    language.value = lang;
    i18n.global.locale.value = lang;
    dayjs.locale(lang === 'zh-CN' ? 'zh-cn' : 'en');
    document.documentElement.lang = lang;
    document.title = i18n.global.t('app.name');
  }

  /** The settings and the language; `loadInfo` is asked for separately (it waits for the service's start). */
  async function load() {
    settings.value = await settingsApi.get();
    applyLanguage(settings.value.language);
  }

  async function loadInfo() {
    info.value = await appApi.info();
  }

  async function setLanguage(lang: Lang) {
    applyLanguage(lang);
    settings.value = await settingsApi.update({ language: lang });
  }

  async function saveSettings(patch: SettingsPatch) {
    settings.value = await settingsApi.update(patch);
    applyLanguage(settings.value.language);
    await loadInfo();
  }

  return { language, info, settings, load, loadInfo, setLanguage, saveSettings, applyLanguage };
});
