// Electron: an IPC message is answered only when it comes from our own page
// (the dev server in development, our renderer file when packaged).
export function isTrustedRendererUrl(
  frameUrl: string,
  devServerUrl: string | undefined,
  rendererIndex: string,
): boolean {
  let url: URL;
  try {
    url = new URL(frameUrl);
  } catch {
    return false;
  }
  if (devServerUrl) {
    const dev = new URL(devServerUrl);
    return url.origin === dev.origin;
  }
  if (url.protocol !== 'file:') return false;
  const expected = new URL(`file://${rendererIndex.startsWith('/') ? '' : '/'}${rendererIndex.replace(/\\/g, '/')}`);
  return decodeURIComponent(url.pathname) === decodeURIComponent(expected.pathname);
}
