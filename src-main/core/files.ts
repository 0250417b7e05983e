import type { SavedFile } from '../../src-shared/ipc/contract';

/** What each shell does with files: Electron asks where to save and prints to PDF; the browser shell serves downloads. */
export interface FileSaver {
  save(filename: string, mime: string, data: Buffer): Promise<SavedFile>;
  print(title: string): Promise<SavedFile | { browserPrint: true }>;
}
