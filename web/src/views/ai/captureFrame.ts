/** The picture a video shows now, as a JPEG: drawn into a canvas at the video's own size (not the size on screen). */
export function captureFrame(video: HTMLVideoElement, quality = 0.92): Promise<Blob> {
  const { videoWidth: width, videoHeight: height } = video
  if (!(width > 0 && height > 0)) return Promise.reject(new Error('no picture yet'))
  const canvas = document.createElement('canvas')
  canvas.width = width
  canvas.height = height
  const g = canvas.getContext('2d')
  if (!g) return Promise.reject(new Error('no canvas'))
  g.drawImage(video, 0, 0, width, height)
  return new Promise((resolve, reject) =>
    canvas.toBlob((blob) => (blob ? resolve(blob) : reject(new Error('no picture'))), 'image/jpeg', quality),
  )
}
