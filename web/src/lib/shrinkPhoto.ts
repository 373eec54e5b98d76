/** Phone cameras make 4–10 MB photos; six of them would pass the server's request limit on a slow line.
 * Before sending, a large photo is redrawn at most 1920 px on its long side as a JPEG (ample to judge a
 * rectification). Where the browser cannot (no decoder, a broken file), the original goes as it is. */

export const SHRINK_ABOVE_BYTES = 1.5 * 1024 * 1024
export const MAX_SIDE_PX = 1920
const QUALITY = 0.85

function scaled(width: number, height: number, maxSide: number): { width: number; height: number } {
  const factor = Math.min(1, maxSide / Math.max(width, height))
  return { width: Math.round(width * factor), height: Math.round(height * factor) }
}

export async function shrinkPhoto(file: File, maxSide = MAX_SIDE_PX): Promise<File> {
  if (file.size <= SHRINK_ABOVE_BYTES || typeof createImageBitmap !== 'function') return file
  try {
    const bitmap = await createImageBitmap(file, { imageOrientation: 'from-image' })
    const size = scaled(bitmap.width, bitmap.height, maxSide)
    const canvas = document.createElement('canvas')
    canvas.width = size.width
    canvas.height = size.height
    const context = canvas.getContext('2d')
    if (!context) return file
    context.drawImage(bitmap, 0, 0, size.width, size.height)
    bitmap.close()
    const blob = await new Promise<Blob | null>((resolve) => canvas.toBlob(resolve, 'image/jpeg', QUALITY))
    if (!blob || blob.size >= file.size) return file
    const name = file.name.replace(/\.(png|jpe?g)$/i, '') + '.jpg'
    return new File([blob], name, { type: 'image/jpeg', lastModified: file.lastModified })
  } catch {
    return file
  }
}

export const shrinkPhotos = (files: readonly File[]): Promise<File[]> => Promise.all(files.map((f) => shrinkPhoto(f)))
