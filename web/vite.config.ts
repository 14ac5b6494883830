import { fileURLToPath } from 'node:url';
import react from '@vitejs/plugin-react';
import { defineConfig } from 'vite';

/**
 * The web app: a single-page app served by the edge as Workers static assets (edge/wrangler.toml
 * `[assets]` → web/dist/app). No source maps or inline scripts in the build: the edge's CSP
 * allows scripts from the origin only. `npm run dev -w web` proxies the API to a local edge.
 */
export default defineConfig({
  root: fileURLToPath(new URL('./app', import.meta.url)),
  plugins: [react()],
  build: {
    outDir: fileURLToPath(new URL('./dist/app', import.meta.url)),
    emptyOutDir: true,
    target: 'es2022',
    assetsInlineLimit: 0,
    reportCompressedSize: false,
  },
  server: {
    proxy: { '/v1': { target: process.env.QUIRE_EDGE_URL ?? 'http://127.0.0.1:8787', changeOrigin: false } },
  },
});
