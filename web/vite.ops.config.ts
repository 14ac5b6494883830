import { fileURLToPath } from 'node:url';
import react from '@vitejs/plugin-react';
import { defineConfig } from 'vite';

/** The sales-ops admin page, served by the control plane under /admin/ (web/dist/ops). */
export default defineConfig({
  root: fileURLToPath(new URL('./ops', import.meta.url)),
  base: '/admin/',
  plugins: [react()],
  build: {
    outDir: fileURLToPath(new URL('./dist/ops', import.meta.url)),
    emptyOutDir: true,
    target: 'es2022',
    assetsInlineLimit: 0,
    reportCompressedSize: false,
  },
  server: {
    proxy: { '/v1': { target: process.env.QUIRE_CONTROL_PLANE_URL ?? 'http://127.0.0.1:8070' } },
  },
});
