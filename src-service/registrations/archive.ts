// Checks the documents archive a member uploads at registration. The bank's manual
// allows ONE archive, "zip or rar only, at most 5 MB". This module only lists what is
// inside: nothing is decompressed or written to disk, so a zip bomb or a hostile path
// costs no more than reading its headers.

import { createExtractorFromData, UnrarError } from 'node-unrar-js';
import yauzl from 'yauzl';
import { ERROR_MESSAGES, interpolate, type ErrorParams } from '../../src-shared/errors';

export const MAX_ARCHIVE_BYTES = 5 * 1024 * 1024;
/** Registration needs a handful of documents; thousands of entries only ever mean abuse. */
export const MAX_ARCHIVE_ENTRIES = 1000;

export type ArchiveFormat = 'zip' | 'rar';

export interface ArchiveEntry {
  /** Path inside the archive, '/'-separated, without a trailing '/' for folders. */
  name: string;
  /** Uncompressed size in bytes, as the archive declares it. */
  size: number;
  directory: boolean;
}

export interface ArchiveListing {
  format: ArchiveFormat;
  size: number;
  entries: ArchiveEntry[];
}

// The archive's refusals, worded in src-shared/messages with every other message.
const ARCHIVE_CODES = [
  'ARCHIVE_TOO_LARGE',
  'ARCHIVE_TYPE',
  'ARCHIVE_EMPTY',
  'ARCHIVE_UNREADABLE',
  'ARCHIVE_TOO_MANY_ENTRIES',
  'ARCHIVE_UNSAFE_NAME',
  'ARCHIVE_ENCRYPTED',
] as const;
export const ARCHIVE_ERROR_MESSAGES = Object.fromEntries(ARCHIVE_CODES.map((c) => [c, ERROR_MESSAGES[c]])) as {
  [K in (typeof ARCHIVE_CODES)[number]]: (typeof ERROR_MESSAGES)[K];
};

export type ArchiveErrorCode = keyof typeof ARCHIVE_ERROR_MESSAGES;

/** Stands in for AppError until these codes are merged into ERROR_MESSAGES. */
export class ArchiveError extends Error {
  readonly code: ArchiveErrorCode;
  readonly params?: ErrorParams;
  constructor(code: ArchiveErrorCode, params?: ErrorParams, options?: ErrorOptions) {
    super(interpolate(ARCHIVE_ERROR_MESSAGES[code].en, params, 'en'), options);
    this.name = 'ArchiveError';
    this.code = code;
    this.params = params;
  }
}

// The one place that throws: once the codes are in ERROR_MESSAGES this becomes
// `throw new AppError(code, params, [{ field: 'archive', rule: code, message: ... }])`.
// A library's own error travels as `cause`, for the log, never to the member.
function refuse(code: ArchiveErrorCode, params?: ErrorParams, cause?: unknown): never {
  throw new ArchiveError(code, params, cause === undefined ? undefined : { cause });
}

const SIGNATURES: readonly [ArchiveFormat, Buffer][] = [
  ['zip', Buffer.from('PK\x03\x04', 'latin1')],
  ['zip', Buffer.from('PK\x05\x06', 'latin1')], // an empty zip is only its end record
  ['rar', Buffer.from('Rar!\x1a\x07\x00', 'latin1')], // RAR 1.5–4.x
  ['rar', Buffer.from('Rar!\x1a\x07\x01\x00', 'latin1')], // RAR 5
];

/** The format by its leading bytes; the file name is the uploader's to choose and proves nothing. */
export function sniffArchive(data: Buffer): ArchiveFormat | null {
  const hit = SIGNATURES.find(([, signature]) => data.subarray(0, signature.length).equals(signature));
  return hit ? hit[0] : null;
}

export async function inspectArchive(data: Buffer): Promise<ArchiveListing> {
  // Size before anything else, so an oversized upload never reaches a parser.
  if (data.length > MAX_ARCHIVE_BYTES) {
    refuse('ARCHIVE_TOO_LARGE', { max: megabytes(MAX_ARCHIVE_BYTES), size: megabytes(data.length) });
  }
  if (data.length === 0) refuse('ARCHIVE_EMPTY');
  const format = sniffArchive(data) ?? refuse('ARCHIVE_TYPE');
  const listed = format === 'zip' ? await listZip(data) : await oneAtATime(() => listRar(data));
  return { format, size: data.length, entries: checkEntries(listed) };
}

interface RawEntry {
  name: string;
  size: number;
  directory: boolean;
  encrypted: boolean;
}

interface RawListing {
  /** Every entry the archive holds, even past the ones kept. */
  count: number;
  /** At most MAX_ARCHIVE_ENTRIES + 1: enough to judge, bounded whatever the archive claims. */
  entries: RawEntry[];
}

function checkEntries({ count, entries }: RawListing): ArchiveEntry[] {
  if (count > MAX_ARCHIVE_ENTRIES) refuse('ARCHIVE_TOO_MANY_ENTRIES', { max: MAX_ARCHIVE_ENTRIES, count });
  const listed = entries.map((raw) => {
    // Windows tools write '\'; one separator keeps the path checks below honest.
    const path = raw.name.replace(/\\/g, '/');
    if (isUnsafePath(path)) refuse('ARCHIVE_UNSAFE_NAME', { name: printable(path) });
    const directory = raw.directory || path.endsWith('/');
    return { name: directory ? path.replace(/\/+$/, '') : path, size: raw.size, directory };
  });
  if (entries.some((entry) => entry.encrypted)) refuse('ARCHIVE_ENCRYPTED');
  if (!listed.some((entry) => !entry.directory)) refuse('ARCHIVE_EMPTY');
  return listed;
}

// Whoever later extracts or shows these names must not be led outside a folder or
// into a terminal escape; refusing here keeps that promise for both formats alike.
function isUnsafePath(path: string): boolean {
  return (
    path === '' ||
    path.startsWith('/') ||
    /^[A-Za-z]:/.test(path) ||
    path.split('/').includes('..') ||
    [...path].some((char) => char < ' ' || char === '\x7f')
  );
}

/** A hostile name goes back into the message, so keep it short and inert. */
function printable(path: string): string {
  const shown = [...path].map((char) => (char < ' ' || char === '\x7f' ? '?' : char));
  return shown.length > 80 ? `${shown.slice(0, 80).join('')}…` : shown.join('');
}

/** Rounded up, so an archive one byte too large never reads as exactly the limit. */
export function megabytes(bytes: number): string {
  return `${Math.ceil((bytes / (1024 * 1024)) * 100) / 100} MB`;
}

async function listZip(data: Buffer): Promise<RawListing> {
  let zip: yauzl.ZipFile;
  try {
    // Raw names: yauzl's CP437 fallback garbles the GBK names Chinese Windows writes (see zipName).
    zip = await yauzl.fromBufferPromise(data, { decodeStrings: false, validateEntrySizes: true });
  } catch (err) {
    return refuse('ARCHIVE_UNREADABLE', undefined, err);
  }
  // The end record states the count up front: refuse a huge one before walking it.
  if (zip.entryCount > MAX_ARCHIVE_ENTRIES) {
    zip.close();
    refuse('ARCHIVE_TOO_MANY_ENTRIES', { max: MAX_ARCHIVE_ENTRIES, count: zip.entryCount });
  }
  const entries: RawEntry[] = [];
  try {
    for await (const entry of zip.eachEntry()) {
      entries.push({
        name: zipName(entry),
        size: entry.uncompressedSize,
        directory: false, // zip marks folders only by the trailing '/'
        encrypted: entry.isEncrypted(),
      });
    }
  } catch (err) {
    refuse('ARCHIVE_UNREADABLE', undefined, err);
  }
  return { count: entries.length, entries };
}

const utf8 = new TextDecoder('utf-8', { fatal: true });
const gb18030 = new TextDecoder('gb18030');

function zipName(entry: yauzl.Entry): string {
  const UTF8_FLAG = 0x800;
  const UNICODE_PATH_FIELD = 0x7075;
  if (entry.generalPurposeBitFlag & UTF8_FLAG || entry.extraFields.some(({ id }) => id === UNICODE_PATH_FIELD)) {
    return yauzl.getFileNameLowLevel(entry.generalPurposeBitFlag, entry.fileNameRaw, entry.extraFields, false);
  }
  // Unflagged names are CP437 by the spec, but in practice they are UTF-8 (macOS, many
  // tools) or GBK (Windows "Send to > Compressed folder" on a Chinese system). Strict
  // UTF-8 rarely decodes GBK by accident; GB18030 reads GBK and decodes anything else.
  try {
    return utf8.decode(entry.fileNameRaw);
  } catch {
    return gb18030.decode(entry.fileNameRaw);
  }
}

async function listRar(data: Buffer): Promise<RawListing> {
  const entries: RawEntry[] = [];
  let count = 0;
  try {
    // A copy: the library wants an ArrayBuffer of its own, and a Buffer may be a slice of a shared pool.
    const extractor = await createExtractorFromData({ data: new Uint8Array(data).buffer });
    // Walk the headers to the end even past the cap: the library frees its native
    // archive only when the walk finishes. 5 MB of headers bounds the walk anyway.
    for (const header of extractor.getFileList().fileHeaders) {
      count += 1;
      if (entries.length <= MAX_ARCHIVE_ENTRIES) {
        entries.push({
          name: header.name,
          size: header.unpSize,
          directory: header.flags.directory,
          encrypted: header.flags.encrypted,
        });
      }
    }
  } catch (err) {
    // With encrypted headers not even the names can be read without the password.
    if (err instanceof UnrarError && (err.reason === 'ERAR_MISSING_PASSWORD' || err.reason === 'ERAR_BAD_PASSWORD')) {
      refuse('ARCHIVE_ENCRYPTED', undefined, err);
    }
    refuse('ARCHIVE_UNREADABLE', undefined, err);
  }
  return { count, entries };
}

// node-unrar-js reads through one module-wide slot: creating an extractor points the
// WASM reader at its bytes, and listing reads whatever the slot holds by then. Two
// listings interleaved at the await would list each other's archive, so they queue.
let rarQueue: Promise<unknown> = Promise.resolve();
function oneAtATime<T>(task: () => Promise<T>): Promise<T> {
  const run = rarQueue.then(task, task);
  rarQueue = run.catch(() => undefined);
  return run;
}
