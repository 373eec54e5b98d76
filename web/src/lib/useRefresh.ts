/** Reading a page's data again every so often while it is open. */

import { onBeforeUnmount, onMounted, ref, type Ref } from 'vue'

/**
 * Calls `refresh` every `everyMs` while the page is mounted and visible. A hidden page (another tab, a phone's locked
 * screen: browsers slow their timers there) is skipped, and refreshed at once when it comes back after longer than
 * that. Returns the time of the last tick (ms), for "x minutes ago" texts that should move on with it.
 */
export function useRefresh(refresh: () => unknown, everyMs: number): Ref<number> {
  const now = ref(Date.now())
  let timer: ReturnType<typeof setInterval> | undefined

  function tick(): void {
    now.value = Date.now()
    void refresh()
  }
  function onInterval(): void {
    if (document.visibilityState !== 'hidden') tick()
  }
  function onVisibility(): void {
    if (document.visibilityState === 'visible' && Date.now() - now.value >= everyMs) tick()
  }

  onMounted(() => {
    timer = setInterval(onInterval, everyMs)
    document.addEventListener('visibilitychange', onVisibility)
  })
  onBeforeUnmount(() => {
    clearInterval(timer)
    document.removeEventListener('visibilitychange', onVisibility)
  })
  return now
}
