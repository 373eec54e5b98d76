/** A labelling frame's picture: the file needs the bearer token, so it is fetched as a blob and shown through an
 * object URL, released when another frame replaces it or the page goes. */

import { onScopeDispose, ref, shallowRef, type Ref } from 'vue'

import { ai } from './aiApi'

export function useFrame(): { url: Ref<string | null>; error: Ref<unknown>; load: (id: number) => Promise<void> } {
  const url = ref<string | null>(null)
  const error = shallowRef<unknown>(null)
  let seq = 0

  const release = (): void => {
    if (url.value) URL.revokeObjectURL(url.value)
    url.value = null
  }

  async function load(id: number): Promise<void> {
    const mine = ++seq
    try {
      const file = await ai.imageFile(id)
      if (mine !== seq) return
      release()
      url.value = URL.createObjectURL(file.blob)
      error.value = null
    } catch (err) {
      if (mine !== seq) return
      release()
      error.value = err
    }
  }

  onScopeDispose(() => {
    seq++
    release()
  })
  return { url, error, load }
}
