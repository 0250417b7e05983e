// Electron main-process bundles (main, token host, embedded service). Forge's
// Vite plugin supplies the entry and output; we mark the native and
// file-reading modules external — forge.config.ts copies them into the package.
import { defineConfig } from 'vite';

export const NATIVE_EXTERNALS = ['better-sqlite3', 'pkcs11js', 'svg-captcha', 'koffi'];

export default defineConfig({
  build: {
    rollupOptions: { external: NATIVE_EXTERNALS },
  },
  define: { 'process.env.NODE_ENV': JSON.stringify(process.env.NODE_ENV ?? 'production') },
});
