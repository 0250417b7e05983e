// The preload runs sandboxed: it must be one self-contained file.
import { defineConfig } from 'vite';

export default defineConfig({
  build: { rollupOptions: { output: { inlineDynamicImports: true } } },
});
