import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { effectScope } from 'vue'

import type { ChecklistItem, TestRequest } from '@/api/types'
import { TEST_ITEM } from '@/lib/rollout'
import { useTestAlert, type TestAlertOptions } from '@/lib/useTestAlert'

const EVERY = 3000
const item = (state: string, evidence: string): ChecklistItem => ({
  code: TEST_ITEM,
  kind: 'automatic',
  title: '测试预警端到端已收到',
  title_en: 'Test alert received end to end',
  state,
  evidence,
  evidence_en: evidence,
  at: null,
})
const request = (expiresInMs: number): TestRequest =>
  ({ expires_at: new Date(Date.now() + expiresInMs).toISOString() }) as TestRequest

/** A checklist whose test item the test changes; `reload` "reads" it, counting the reads. */
function setUp(over: Partial<TestAlertOptions> = {}) {
  let items = [item('pending', '已发起；设备尚未取得')]
  const ends: boolean[] = []
  const errors: unknown[] = []
  const sent = vi.fn()
  let reads = 0
  const scope = effectScope()
  const test = scope.run(() =>
    useTestAlert({
      everyMs: EVERY,
      request: async () => request(60_000),
      reload: async () => void (reads += 1),
      items: () => items,
      onSent: sent,
      onEnd: (changed) => ends.push(changed),
      onError: (err) => errors.push(err),
      ...over,
    }),
  )!
  return {
    test,
    scope,
    ends,
    errors,
    sent,
    reads: () => reads,
    answer: () => (items = [item('ok', '设备已于 10:00 收到')]),
  }
}

beforeEach(() => vi.useFakeTimers())
afterEach(() => vi.useRealTimers())

describe('useTestAlert', () => {
  it('looks again every few seconds until the test item changes', async () => {
    const s = setUp()
    await s.test.send()
    expect(s.sent).toHaveBeenCalledTimes(1)
    expect(s.test.sending.value).toBe(false)
    expect(s.test.polling.value).toBe(true)
    expect(s.reads()).toBe(1) // right after the request

    await vi.advanceTimersByTimeAsync(EVERY)
    expect(s.reads()).toBe(2)
    expect(s.test.polling.value).toBe(true)

    s.answer()
    await vi.advanceTimersByTimeAsync(EVERY)
    expect(s.reads()).toBe(3)
    expect(s.test.polling.value).toBe(false)
    expect(s.ends).toEqual([true])

    await vi.advanceTimersByTimeAsync(EVERY * 5)
    expect(s.reads()).toBe(3)
  })

  it('gives up unchanged when the request expires', async () => {
    const s = setUp({ request: async () => request(EVERY * 2) })
    await s.test.send()
    await vi.advanceTimersByTimeAsync(EVERY * 3)
    expect(s.test.polling.value).toBe(false)
    expect(s.ends).toEqual([false])
  })

  it('stops at the first read that fails, and shows why', async () => {
    let n = 0
    const boom = new Error('offline')
    const s = setUp({ reload: async () => (++n > 1 ? Promise.reject(boom) : undefined) })
    await s.test.send()
    await vi.advanceTimersByTimeAsync(EVERY)
    expect(s.errors).toEqual([boom])
    expect(s.test.polling.value).toBe(false)
    expect(s.ends).toEqual([])
  })

  it('does not wait when the request is refused', async () => {
    const refused = new Error('409')
    const s = setUp({ request: async () => Promise.reject(refused) })
    await s.test.send()
    expect(s.errors).toEqual([refused])
    expect(s.sent).not.toHaveBeenCalled()
    expect(s.test.polling.value).toBe(false)
    expect(s.test.sending.value).toBe(false)
  })

  it('stops looking when its page goes away, even with a read on its way', async () => {
    let release: () => void = () => undefined
    let n = 0
    const s = setUp({ reload: () => (++n === 2 ? new Promise<void>((r) => (release = r)) : Promise.resolve()) })
    await s.test.send()
    await vi.advanceTimersByTimeAsync(EVERY) // the second read starts and hangs
    s.scope.stop()
    release()
    await vi.advanceTimersByTimeAsync(EVERY * 5)
    expect(n).toBe(2)
    expect(s.test.polling.value).toBe(false)
    expect(s.ends).toEqual([])
  })
})
