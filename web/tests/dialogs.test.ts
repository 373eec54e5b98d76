import { afterEach, describe, expect, it, vi } from 'vitest'
import { effectScope, nextTick, ref } from 'vue'

import { useDialogForm } from '@/lib/useDialogForm'
import { usePhotos } from '@/lib/usePhotos'

const photo = (name: string): File => new File([new Uint8Array([0xff, 0xd8, 0xff])], name, { type: 'image/jpeg' })

afterEach(() => vi.restoreAllMocks())

describe('useDialogForm', () => {
  function setUp() {
    const visible = ref(false)
    const resets = vi.fn()
    const errors: unknown[] = []
    const done = vi.fn()
    const form = useDialogForm({ visible, reset: resets, onError: (e) => errors.push(e), onDone: done })
    return { visible, resets, errors, done, form }
  }

  it('empties the form and its problem each time the dialog opens', async () => {
    const { visible, resets, form } = setUp()
    form.problem.value = 'missing'
    visible.value = true
    await nextTick()
    expect(resets).toHaveBeenCalledTimes(1)
    expect(form.problem.value).toBe('')
    visible.value = false
    await nextTick()
    expect(resets).toHaveBeenCalledTimes(1) // closing keeps what was typed until the next open
  })

  it('closes the dialog and reports done after a send that worked, busy meanwhile', async () => {
    const { visible, done, errors, form } = setUp()
    visible.value = true
    let busyDuring = false
    await form.send(async () => (busyDuring = form.busy.value))
    expect(busyDuring).toBe(true)
    expect(form.busy.value).toBe(false)
    expect(visible.value).toBe(false)
    expect(done).toHaveBeenCalledTimes(1)
    expect(errors).toEqual([])
  })

  it('stays open and shows the error of a send that failed', async () => {
    const { visible, done, errors, form } = setUp()
    visible.value = true
    const boom = new Error('403')
    await form.send(async () => Promise.reject(boom))
    expect(visible.value).toBe(true)
    expect(form.busy.value).toBe(false)
    expect(done).not.toHaveBeenCalled()
    expect(errors).toEqual([boom])
  })
})

describe('usePhotos', () => {
  it('previews the first photos picked and lets go of the old previews', () => {
    const revoked: string[] = []
    vi.spyOn(URL, 'revokeObjectURL').mockImplementation((url) => void revoked.push(url))
    const scope = effectScope()
    const photos = scope.run(() => usePhotos(2))!
    photos.set([photo('a.jpg'), photo('b.jpg'), photo('c.jpg')])
    expect(photos.files.value.map((f) => f.name)).toEqual(['a.jpg', 'b.jpg', 'c.jpg'])
    expect(photos.previews.value).toHaveLength(2)
    const first = [...photos.previews.value]
    expect(first.every((url) => url.startsWith('blob:'))).toBe(true)

    photos.set([photo('d.jpg')])
    expect(revoked).toEqual(first)
    expect(photos.previews.value).toHaveLength(1)

    const last = photos.previews.value[0]
    scope.stop() // the dialog went away
    expect(revoked).toEqual([...first, last])
    expect(photos.files.value).toEqual([])
  })

  it('clears', () => {
    const scope = effectScope()
    const photos = scope.run(() => usePhotos())!
    photos.set([photo('a.jpg')])
    photos.clear()
    expect(photos.files.value).toEqual([])
    expect(photos.previews.value).toEqual([])
    scope.stop()
  })
})
