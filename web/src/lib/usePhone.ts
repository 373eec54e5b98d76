/** Whether the screen is phone-sized (a canteen manager's phone): lists become cards, dialogs full screen. */

import { onScopeDispose, ref, type Ref } from 'vue'

export const PHONE_QUERY = '(max-width: 640px)'

export function usePhone(): Ref<boolean> {
  const media = typeof window !== 'undefined' && window.matchMedia ? window.matchMedia(PHONE_QUERY) : null
  const phone = ref(media?.matches ?? false)
  if (media) {
    const update = (e: MediaQueryListEvent): void => void (phone.value = e.matches)
    media.addEventListener('change', update)
    onScopeDispose(() => media.removeEventListener('change', update))
  }
  return phone
}
