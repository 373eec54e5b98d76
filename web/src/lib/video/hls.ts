/** hls.js, set up the way this app plays: bundled worker (same origin, no blob: worker), live and recorded. */

import Hls, { type HlsConfig } from 'hls.js'
// Served from this site like the app's own scripts: the page's CSP allows no blob: worker.
import workerPath from 'hls.js/dist/hls.worker.js?url'

export { Hls }

/** Live: stay close to the edge (two segments behind), and keep retrying an empty playlist while the edge starts. */
export function liveConfig(playlistUrl: () => string | null): Partial<HlsConfig> {
  return {
    enableWorker: true,
    workerPath,
    lowLatencyMode: true,
    liveSyncDurationCount: 2,
    liveMaxLatencyDurationCount: 6,
    backBufferLength: 30,
    // The signed playlist link is renewed before it expires; later reloads of the playlist fetch the newest one.
    xhrSetup: (xhr: XMLHttpRequest, url: string): void => {
      const latest = playlistUrl()
      if (latest && isPlaylist(url)) xhr.open('GET', latest, true)
    },
    playlistLoadPolicy: {
      default: {
        maxTimeToFirstByteMs: 10_000,
        maxLoadTimeMs: 20_000,
        timeoutRetry: { maxNumRetry: 4, retryDelayMs: 0, maxRetryDelayMs: 0 },
        errorRetry: { maxNumRetry: 8, retryDelayMs: 1000, maxRetryDelayMs: 4000 },
      },
    },
  }
}

/** A recorded range: an EVENT playlist that grows while the edge uploads, then ends and is seekable throughout. */
export function vodConfig(): Partial<HlsConfig> {
  return { enableWorker: true, workerPath, lowLatencyMode: false, backBufferLength: 120 }
}

export const isPlaylist = (url: string): boolean => /\/index\.m3u8(\?|$)/.test(url)
