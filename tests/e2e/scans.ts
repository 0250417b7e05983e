// Checks run on every page the end-to-end suite screenshots (from `snap`):
// no internal code in the visible text, and no serious or critical axe violation.
import AxeBuilder from '@axe-core/playwright';
import { expect, type Page } from '@playwright/test';

/**
 * An ASCII word that reads as a program's identifier, not as a word of the
 * interface: a camelCase hump (notSignedIn), an underscore (NOT_SIGNED_IN,
 * snake_case) or a dotted path of lower-case words (errors.notSignedIn,
 * menu.ebank.txn — a translation key shown instead of its text). Abbreviations
 * such as USB-KEY, PIN, SMS, B2B, CA, QR or Ukey have none of these.
 */
export const IDENTIFIER_LIKE =
  /\b[a-z][a-z0-9]*[A-Z][A-Za-z0-9]*\b|\b[A-Za-z][A-Za-z0-9]*(?:_[A-Za-z0-9]+)+\b|\b[a-z][A-Za-z0-9]+(?:\.[A-Za-z][A-Za-z0-9]+)+\b/g;

/** Marks an element whose text is the user's data (a login name, a member code, an account, a serial). */
export const USER_DATA_ATTRIBUTE = 'data-user-data';

interface Finding {
  word: string;
  text: string;
  where: string;
}

/**
 * Every toast shown since the page loaded, kept by an init script: a toast
 * that came and went between two screenshots is read too.
 */
export function recordToasts(): void {
  const seen: string[] = [];
  (window as unknown as { __skToasts: string[] }).__skToasts = seen;
  const watch = () => {
    new MutationObserver((records) => {
      for (const record of records)
        for (const node of record.addedNodes) {
          if (!(node instanceof HTMLElement)) continue;
          const toasts = node.matches('.el-message') ? [node] : [...node.querySelectorAll('.el-message')];
          for (const toast of toasts) {
            const text = toast.querySelector('.el-message__content')?.textContent ?? toast.textContent ?? '';
            if (text.trim()) seen.push(text.trim());
          }
        }
    }).observe(document.body, { childList: true, subtree: true });
  };
  if (document.body) watch();
  else document.addEventListener('DOMContentLoaded', watch);
}

/** The identifier-like words in the page's visible text, its placeholders, and the toasts shown since the last scan. */
export async function identifierLikeWords(page: Page): Promise<Finding[]> {
  return page.evaluate(
    ({ source, attribute }) => {
      const findings: { word: string; text: string; where: string }[] = [];
      const where = (el: Element) => {
        const parts: string[] = [];
        for (let e: Element | null = el; e && parts.length < 4; e = e.parentElement) {
          const id = e.getAttribute('data-testid');
          parts.unshift(
            id ? `[data-testid=${id}]` : e.tagName.toLowerCase() + (e.classList[0] ? `.${e.classList[0]}` : ''),
          );
        }
        return parts.join(' > ');
      };
      const check = (text: string, at: string) => {
        for (const match of text.matchAll(new RegExp(source, 'g')))
          findings.push({ word: match[0], text: text.trim().slice(0, 120), where: at });
      };
      const exempt = (el: Element) => el.closest(`[${attribute}], script, style, noscript, template`) !== null;
      const visible = (el: Element) => el.checkVisibility({ checkOpacity: true, checkVisibilityCSS: true });
      const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
      for (let node = walker.nextNode(); node; node = walker.nextNode()) {
        const el = node.parentElement;
        if (!el || exempt(el) || !visible(el)) continue;
        check(node.textContent ?? '', where(el));
      }
      for (const input of document.querySelectorAll('input[placeholder], textarea[placeholder]'))
        if (!exempt(input) && visible(input)) check(input.getAttribute('placeholder') ?? '', where(input));
      const toasts = (window as unknown as { __skToasts?: string[] }).__skToasts ?? [];
      for (const toast of toasts.splice(0)) check(toast, 'toast (.el-message)');
      return findings;
    },
    { source: IDENTIFIER_LIKE.source, attribute: USER_DATA_ATTRIBUTE },
  );
}

/** Fails (softly: the scenario goes on, every finding is reported) on an internal code the user would read. */
export async function scanForCodes(page: Page, name: string): Promise<void> {
  const findings = await identifierLikeWords(page);
  const lines = [...new Set(findings.map((f) => `  "${f.word}" in "${f.text}" at ${f.where}`))];
  expect.soft(lines, `internal codes visible on ${name}:\n${lines.join('\n')}`).toEqual([]);
}

/** Rules switched off for the whole suite, each with its reason in the README's test section. */
export const DISABLED_AXE_RULES: string[] = [];

/** Fails (softly) on any serious or critical axe violation of the page as it is now. */
export async function scanAccessibility(page: Page, name: string): Promise<void> {
  // Colours are read as they are now: a button still fading from its disabled look (the login
  // button once its captcha arrives) would be judged on a colour it is leaving. Finite CSS
  // transitions and animations end first; a spinner's endless one is left alone.
  await page
    .waitForFunction(
      () =>
        document
          .getAnimations()
          .every((a) => a.playState !== 'running' || a.effect?.getComputedTiming().iterations === Infinity),
      undefined,
      { timeout: 3_000 },
    )
    .catch(() => undefined);
  const results = await new AxeBuilder({ page }).disableRules(DISABLED_AXE_RULES).analyze();
  const serious = results.violations.filter((v) => v.impact === 'serious' || v.impact === 'critical');
  const lines = serious.flatMap((v) => [
    `  ${v.id} (${v.impact}): ${v.help}`,
    ...v.nodes
      .slice(0, 6)
      .map((n) => `    ${n.html.slice(0, 160)} — ${n.failureSummary?.split('\n').slice(1, 3).join(' ').trim()}`),
    ...(v.nodes.length > 6 ? [`    … and ${v.nodes.length - 6} more`] : []),
  ]);
  expect.soft(lines, `accessibility violations on ${name}:\n${lines.join('\n')}`).toEqual([]);
}
