/** "Send test alert" on a checklist: ask for one, then look again every few seconds until the device's answer shows. */

import { onScopeDispose, ref, type Ref } from 'vue'

import type { ChecklistItem, TestRequest } from '@/api/types'

import { keepPolling, testItemKey } from './rollout'

export interface TestAlertOptions {
  everyMs: number
  /** asks the site's device for a test alert */
  request: () => Promise<TestRequest>
  /** reads the checklist again, quietly; throws when it cannot */
  reload: () => Promise<void>
  /** the checklist's items as last read */
  items: () => readonly ChecklistItem[]
  /** the request was accepted */
  onSent: () => void
  /** the waiting is over: the test item changed, or the request expired with it unchanged */
  onEnd: (changed: boolean) => void
  onError: (err: unknown) => void
}

export interface TestAlert {
  sending: Ref<boolean>
  polling: Ref<boolean>
  send: () => Promise<void>
  stop: () => void
}

/** How long to wait when the request's expiry cannot be read. */
const FALLBACK_LIMIT_MS = 15 * 60 * 1000

export function useTestAlert(o: TestAlertOptions): TestAlert {
  const sending = ref(false)
  const polling = ref(false)
  let timer: ReturnType<typeof setTimeout> | undefined
  let round = 0 // a look that comes back after stop() (or a newer send) is dropped

  function stop(): void {
    if (timer !== undefined) clearTimeout(timer)
    timer = undefined
    round += 1
    polling.value = false
  }

  function poll(baseline: string, startedAt: number, limitMs: number): void {
    const mine = round
    polling.value = true
    timer = setTimeout(async () => {
      try {
        await o.reload()
      } catch (err) {
        if (mine !== round) return
        stop()
        o.onError(err)
        return
      }
      if (mine !== round) return
      const items = o.items()
      if (keepPolling(baseline, items, startedAt, Date.now(), limitMs)) {
        poll(baseline, startedAt, limitMs)
        return
      }
      stop()
      o.onEnd(testItemKey(items) !== baseline)
    }, o.everyMs)
  }

  async function send(): Promise<void> {
    sending.value = true
    stop()
    try {
      const req = await o.request()
      o.onSent()
      await o.reload()
      const limit = Math.max(o.everyMs, Date.parse(req.expires_at) - Date.now())
      poll(testItemKey(o.items()), Date.now(), Number.isFinite(limit) ? limit : FALLBACK_LIMIT_MS)
    } catch (err) {
      o.onError(err)
    } finally {
      sending.value = false
    }
  }

  onScopeDispose(stop)
  return { sending, polling, send, stop }
}
