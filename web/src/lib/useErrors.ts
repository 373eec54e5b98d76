/** Shows any error in plain words, in the reader's language. */

import { ElMessage } from 'element-plus'
import { useI18n } from 'vue-i18n'

import { ApiError, errorMessage } from '@/api/errors'

export function useErrors(): { describe: (err: unknown) => string; toast: (err: unknown) => void } {
  const { t, te, locale } = useI18n()
  // The server's own sentences are English: added in the English mode only.
  const describe = (err: unknown): string =>
    errorMessage(err, t, (key) => te(key), String(locale.value).startsWith('en'))
  const toast = (err: unknown): void => {
    // A 401 sends the reader back to the login page, which says why; no second message.
    if (err instanceof ApiError && err.status === 401) return
    ElMessage({ type: 'error', message: describe(err), showClose: true, duration: 6000 })
  }
  return { describe, toast }
}
