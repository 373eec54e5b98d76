import { readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { fileURLToPath, URL } from 'node:url'
import { constants, gzipSync } from 'node:zlib'

import vue from '@vitejs/plugin-vue'
import { defineConfig, type Plugin } from 'vite'

/** Text assets worth a gzip copy; pictures and fonts are compressed already. */
const PACKED = /\.(js|mjs|css|svg|json|txt|map)$/
/** Below this a gzip copy saves nothing worth a second file. */
const MIN_BYTES = 1024

/** Writes `name.gz` beside every text asset once the bundle is on disk (zlib level 9, made once here instead
 * of on every request); the platform sends it to browsers that accept gzip (src/brightkitchen/platform/webui.py). */
function precompress(): Plugin {
  return {
    name: 'bk-precompress',
    apply: 'build',
    writeBundle(options) {
      const assets = join(options.dir ?? '', 'assets')
      let files: string[]
      try {
        files = readdirSync(assets)
      } catch {
        return
      }
      for (const name of files) {
        const path = join(assets, name)
        if (!PACKED.test(name) || statSync(path).size < MIN_BYTES) continue
        writeFileSync(`${path}.gz`, gzipSync(readFileSync(path), { level: constants.Z_BEST_COMPRESSION }))
      }
    },
  }
}

// The build lands in the Python package, which serves it (src/brightkitchen/platform/webui.py).
export default defineConfig({
  plugins: [vue(), precompress()],
  resolve: { alias: { '@': fileURLToPath(new URL('./src', import.meta.url)) } },
  build: {
    // BK_OUT_DIR builds elsewhere (served with BRIGHTKITCHEN_STATIC_DIR), e.g. beside a running test server.
    outDir: process.env.BK_OUT_DIR || fileURLToPath(new URL('../src/brightkitchen/static', import.meta.url)),
    emptyOutDir: true,
    chunkSizeWarningLimit: 1200,
  },
  // `npm run dev` with `brightkitchen serve` on port 8000.
  server: { proxy: { '/api': 'http://127.0.0.1:8000' } },
})
