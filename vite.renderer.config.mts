// The renderer's build, shared by Electron Forge (which sets its own outDir)
// and the browser shell (`--outDir ../dist/renderer` on the command line).
import vue from '@vitejs/plugin-vue';
import { fileURLToPath } from 'node:url';
import Components from 'unplugin-vue-components/vite';
import { ElementPlusResolver } from 'unplugin-vue-components/resolvers';
import { defineConfig } from 'vite';

export default defineConfig({
  root: fileURLToPath(new URL('./src-renderer', import.meta.url)),
  // Relative asset paths: Electron loads the page from file://, the shell from /.
  base: './',
  plugins: [
    vue(),
    // Element Plus components and their CSS are imported where used, not the whole library.
    Components({
      dts: false,
      dirs: [],
      resolvers: [ElementPlusResolver({ importStyle: 'css' })],
    }),
  ],
  build: {
    target: 'chrome120',
    chunkSizeWarningLimit: 900,
    reportCompressedSize: false,
    rollupOptions: {
      // zod's comments about esbuild's tree-shaking are not annotations Rollup can use; nothing is lost.
      onwarn(warning, warn) {
        if (warning.code === 'INVALID_ANNOTATION' && warning.id?.includes('/zod/')) return;
        warn(warning);
      },
    },
  },
  // The agreements live in resources/, outside the renderer's root.
  server: { host: '127.0.0.1', strictPort: false, fs: { allow: ['..'] } },
});
