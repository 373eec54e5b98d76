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

describe('usePhotos checks what is picked before anything is sent', () => {
  const file = (name: string, type: string, size = 3): File => new File([new Uint8Array(size)], name, { type })

  it('adds photos after those already picked and refuses the wrong type, the too large and the one too many', () => {
    const scope = effectScope()
    const photos = scope.run(() => usePhotos(3, { max: 3, maxBytes: 100 }))!
    expect(photos.add([photo('a.jpg'), file('b.png', 'image/png')])).toEqual([])
    const refused = photos.add([
      file('clip.mp4', 'video/mp4'),
      file('x.heic', 'image/heic'),
      file('big.jpg', 'image/jpeg', 101),
      file('c.jpg', 'image/jpeg'),
      file('d.jpg', 'image/jpeg'),
    ])
    expect(refused).toEqual([
      { name: 'clip.mp4', reason: 'type' },
      { name: 'x.heic', reason: 'type' },
      { name: 'big.jpg', reason: 'size' },
      { name: 'd.jpg', reason: 'count' },
    ])
    expect(photos.files.value.map((f) => f.name)).toEqual(['a.jpg', 'b.png', 'c.jpg'])
    expect(photos.previews.value).toHaveLength(3)
    scope.stop()
  })

  it('takes a file without a reported type by its name', () => {
    const scope = effectScope()
    const photos = scope.run(() => usePhotos())!
    expect(photos.add([file('IMG_1.JPG', ''), file('notes.txt', '')])).toEqual([{ name: 'notes.txt', reason: 'type' }])
    scope.stop()
  })

  it('removes one photo and lets go of its preview only', () => {
    const revoked: string[] = []
    vi.spyOn(URL, 'revokeObjectURL').mockImplementation((url) => void revoked.push(url))
    const scope = effectScope()
    const photos = scope.run(() => usePhotos())!
    photos.add([photo('a.jpg'), photo('b.jpg'), photo('c.jpg')])
    const [, middle] = photos.previews.value
    photos.remove(1)
    expect(revoked).toEqual([middle])
    expect(photos.files.value.map((f) => f.name)).toEqual(['a.jpg', 'c.jpg'])
    expect(photos.previews.value).toHaveLength(2)
    photos.remove(7) // out of range: nothing happens
    expect(photos.files.value).toHaveLength(2)
    scope.stop()
  })
})
