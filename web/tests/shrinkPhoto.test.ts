import { describe, expect, it } from 'vitest'

import { SHRINK_ABOVE_BYTES, shrinkPhoto } from '@/lib/shrinkPhoto'

describe('shrinkPhoto', () => {
  it('sends a small photo as it is', async () => {
    const file = new File([new Uint8Array(1000)], 'a.jpg', { type: 'image/jpeg' })
    expect(await shrinkPhoto(file)).toBe(file)
  })

  it('sends a large photo it cannot decode as it is, rather than losing it', async () => {
    const file = new File([new Uint8Array(SHRINK_ABOVE_BYTES + 1)], 'big.jpg', { type: 'image/jpeg' })
    const sent = await shrinkPhoto(file)
    expect(sent).toBe(file)
    expect(sent.size).toBe(SHRINK_ABOVE_BYTES + 1)
  })
})
