import { fileURLToPath, URL } from 'node:url'

import vue from '@vitejs/plugin-vue'
import { defineConfig } from 'vite'

// The build lands in the Python package, which serves it (src/brightkitchen/platform/webui.py).
export default defineConfig({
  plugins: [vue()],
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
