// Human names of the fields that requests carry, so that a refusal names the
// field in the user's language ("登录名不能为空", "Login name is required").
// The names themselves are in ./messages (fieldLabels).
import { SHARED_MESSAGES, type Lang } from './errors';

export function fieldLabel(field: string, lang: Lang): string {
  const labels: Record<string, string> = SHARED_MESSAGES[lang].fieldLabels;
  const last = field.split('.').pop() ?? field;
  return labels[field] ?? labels[last] ?? field;
}
