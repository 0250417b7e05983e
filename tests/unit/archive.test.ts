import { crc32 } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { ERROR_MESSAGES } from '../../src-shared/errors';
import {
  ARCHIVE_ERROR_MESSAGES,
  ArchiveError,
  inspectArchive,
  MAX_ARCHIVE_BYTES,
  MAX_ARCHIVE_ENTRIES,
  sniffArchive,
  type ArchiveErrorCode,
} from '../../src-service/registrations/archive';
import { makeZip, zipOfSize } from '../support/zip';

// --- RAR samples: the rar tool is not to be had here, so these were written byte by
// byte to RARLAB's format notes (stored entries, 2026-01-01) and checked by listing
// and extracting them with node-unrar-js, which is unrar's own code and checks CRCs. ---

/** RAR5: folder 注册资料, 注册资料/营业执照.txt (17 bytes), readme.txt (5 bytes). */
const RAR5 = Buffer.from(
  'UmFyIRoHAQDFGjMyAwEAAGiG5o8aAgADAO2DAQC5VWkAAQzms6jlhozotYTmlpl3SCOwMAICEQYRpIMCALlVaUVn520AAR3ms6jlhozotYTmlpkv6JCl5Lia5omn54WnLnR4dGJ1c2luZXNzIGxpY2VuY2UKuCNPGx0CAgUGBaSDAgC5VWmGphA2AAEKcmVhZG1lLnR4dGhlbGxvGbI6NQMFAAA=',
  'base64',
);
// Byte ranges of RAR5's blocks: signature + main header, the readme.txt file block, end block.
const RAR5_HEAD = [0, 16] as const;
const RAR5_README = [117, 156] as const;
const RAR5_END = [156, 164] as const;

/** RAR 4: folder docs, docs/licence.txt (13 bytes). */
const RAR4 = Buffer.from(
  'UmFyIRoHAM+QcwAADQAAAAAAAAAphXTggCQAAAAAAAAAAAADAAAAAAAAIVwdMAQA7UEAAGRvY3MpqXQAgDAADQAAAA0AAAADnUGwIQAAIVwdMBAApIEAAGRvY3MvbGljZW5jZS50eHRSQVI0IGxpY2VuY2UKxD17AEAHAA==',
  'base64',
);

/** RAR5 whose headers are encrypted (rar -hp): an encryption header, then ciphertext. */
const RAR5_HEADERS_ENCRYPTED = Buffer.from(
  'UmFyIRoHAQAtqN4xIQQAAAEPq6urq6urq6urq6urq6urq83Nzc3Nzc3Nzc3NzVpaWlpaWlpaWlpaWlpaWlpaWlpaWlpaWlpaWlpaWlpa',
  'base64',
);

/** RAR5 with readable names but an encrypted file (rar -p): secret.txt. */
const RAR5_FILE_ENCRYPTED = Buffer.from(
  'UmFyIRoHAQDFGjMyAwEAAIx/7qQ/AgMlEAIFpIMCALlVaQABCnNlY3JldC50eHQkAQAADxEREREREREREREREREREREiIiIiIiIiIiIiIiIiIiIiMzMzMzMzMzMzMzMzMzMzMxmyOjUDBQAA',
  'base64',
);

function rar5WithReadmeBlocks(count: number): Buffer {
  const readme = RAR5.subarray(...RAR5_README);
  return Buffer.concat([RAR5.subarray(...RAR5_HEAD), ...Array<Buffer>(count).fill(readme), RAR5.subarray(...RAR5_END)]);
}

async function refusal(data: Buffer): Promise<ArchiveError> {
  const error: unknown = await inspectArchive(data).then(
    () => null,
    (err: unknown) => err,
  );
  if (!(error instanceof ArchiveError)) throw new Error(`expected an ArchiveError, got ${String(error)}`);
  return error;
}

async function refusedWith(data: Buffer, code: ArchiveErrorCode): Promise<ArchiveError> {
  const error = await refusal(data);
  expect(error.code).toBe(code);
  return error;
}

describe('sniffArchive', () => {
  it.each([
    ['a zip', makeZip([{ name: 'a.txt', content: 'a' }]), 'zip'],
    ['an empty zip (end record only)', makeZip([]), 'zip'],
    ['a RAR5', RAR5, 'rar'],
    ['a RAR4', RAR4, 'rar'],
    ['a Windows executable', Buffer.from('MZ\x90\x00\x03\x00\x00\x00PK\x03\x04', 'latin1'), null],
    ['a PDF', Buffer.from('%PDF-1.7\n', 'latin1'), null],
    ['a zip signature cut short', Buffer.from('PK\x03', 'latin1'), null],
    ['an unknown RAR version', Buffer.from('Rar!\x1a\x07\x02\x00', 'latin1'), null],
    ['nothing', Buffer.alloc(0), null],
  ])('recognises %s by its first bytes', (_label, data, format) => {
    expect(sniffArchive(data)).toBe(format);
  });
});

describe('inspectArchive: zip', () => {
  it('lists the files with their uncompressed sizes', async () => {
    const zip = makeZip([
      { name: '营业执照.pdf', content: 'licence scan' },
      { name: 'id/法人身份证.jpg', content: Buffer.alloc(300, 1) },
    ]);
    expect(await inspectArchive(zip)).toEqual({
      format: 'zip',
      size: zip.length,
      entries: [
        { name: '营业执照.pdf', size: 12, directory: false },
        { name: 'id/法人身份证.jpg', size: 300, directory: false },
      ],
    });
  });

  it('marks folders and drops their trailing slash', async () => {
    const listing = await inspectArchive(makeZip([{ name: 'docs/' }, { name: 'docs/a.txt', content: 'a' }]));
    expect(listing.entries).toEqual([
      { name: 'docs', size: 0, directory: true },
      { name: 'docs/a.txt', size: 1, directory: false },
    ]);
  });

  it('reads unflagged GBK names, as Windows on a Chinese system writes them', async () => {
    const gbk = Buffer.from('d3aad2b5d6b4d5d52e706466', 'hex'); // 营业执照.pdf
    const listing = await inspectArchive(makeZip([{ name: gbk, content: 'x', flags: 0 }]));
    expect(listing.entries[0]!.name).toBe('营业执照.pdf');
  });

  it('reads unflagged UTF-8 names, as macOS writes them', async () => {
    const listing = await inspectArchive(makeZip([{ name: Buffer.from('章程.docx'), content: 'x', flags: 0 }]));
    expect(listing.entries[0]!.name).toBe('章程.docx');
  });

  it('refuses an empty zip', async () => {
    await refusedWith(makeZip([]), 'ARCHIVE_EMPTY');
  });

  it('refuses a zip holding only folders', async () => {
    await refusedWith(makeZip([{ name: 'docs/' }]), 'ARCHIVE_EMPTY');
    await refusedWith(makeZip([{ name: 'docs/' }, { name: 'docs/scans/' }]), 'ARCHIVE_EMPTY');
  });

  it('refuses a password-protected zip', async () => {
    const encrypted = { name: 'a.pdf', content: Buffer.alloc(12 + 5, 7), declaredSize: 5, flags: 0x801 };
    await refusedWith(makeZip([{ name: 'b.txt', content: 'b' }, encrypted]), 'ARCHIVE_ENCRYPTED');
  });

  it('refuses a zip that is cut short', async () => {
    const zip = makeZip([{ name: 'a.txt', content: 'a' }]);
    await refusedWith(zip.subarray(0, zip.length - 10), 'ARCHIVE_UNREADABLE');
  });

  it.each([
    ['../../etc/cron.d/x', '../../etc/cron.d/x'],
    ['/etc/passwd', '/etc/passwd'],
    ['C:/Windows/x.dll', 'C:/Windows/x.dll'],
    ['docs\\..\\..\\x.txt', 'docs/../../x.txt'],
    ['a\u0000.txt\u001b[2J', 'a?.txt?[2J'],
  ])('refuses the hostile name %j, quoting it inertly', async (name, shown) => {
    const error = await refusedWith(
      makeZip([
        { name: 'ok.txt', content: 'ok' },
        { name, content: 'x' },
      ]),
      'ARCHIVE_UNSAFE_NAME',
    );
    expect(error.params).toEqual({ name: shown });
  });

  it(`accepts ${MAX_ARCHIVE_ENTRIES} entries and refuses one more, without walking them`, async () => {
    const items = (n: number) => Array.from({ length: n }, (_, i) => ({ name: `f${i}.txt`, content: '' }));
    expect((await inspectArchive(makeZip(items(MAX_ARCHIVE_ENTRIES)))).entries).toHaveLength(MAX_ARCHIVE_ENTRIES);
    const error = await refusedWith(makeZip(items(MAX_ARCHIVE_ENTRIES + 1)), 'ARCHIVE_TOO_MANY_ENTRIES');
    expect(error.params).toEqual({ max: MAX_ARCHIVE_ENTRIES, count: MAX_ARCHIVE_ENTRIES + 1 });
    // The count in the end record is enough: a zip claiming 65535 entries with none behind it is not read.
    const claims = makeZip([]);
    claims.writeUInt16LE(0xffff, 8);
    claims.writeUInt16LE(0xffff, 10);
    await refusedWith(claims, 'ARCHIVE_TOO_MANY_ENTRIES');
  });
});

describe('inspectArchive: format and size', () => {
  it('refuses a Windows executable renamed to .zip', async () => {
    // A self-extracting zip is an .exe with a zip inside; it is still not a zip upload.
    const exe = Buffer.concat([
      Buffer.from('MZ\x90\x00', 'latin1'),
      Buffer.alloc(60),
      makeZip([{ name: 'a.txt', content: 'a' }]),
    ]);
    await refusedWith(exe, 'ARCHIVE_TYPE');
  });

  it('refuses garbage', async () => {
    await refusedWith(Buffer.from('this is not an archive at all'), 'ARCHIVE_TYPE');
  });

  it('refuses an empty upload', async () => {
    await refusedWith(Buffer.alloc(0), 'ARCHIVE_EMPTY');
  });

  it('accepts an archive of exactly 5 MB', async () => {
    const zip = zipOfSize(5 * 1024 * 1024);
    expect(zip.length).toBe(MAX_ARCHIVE_BYTES);
    const listing = await inspectArchive(zip);
    expect(listing.size).toBe(MAX_ARCHIVE_BYTES);
    const overhead = makeZip([{ name: 'scan.pdf' }]).length;
    expect(listing.entries).toEqual([{ name: 'scan.pdf', size: MAX_ARCHIVE_BYTES - overhead, directory: false }]);
  });

  it('refuses 5 MB + 1 byte, naming both sizes', async () => {
    const error = await refusedWith(zipOfSize(MAX_ARCHIVE_BYTES + 1), 'ARCHIVE_TOO_LARGE');
    expect(error.params).toEqual({ max: '5 MB', size: '5.01 MB' });
    expect(error.message).toBe(
      'The documents archive may be at most 5 MB; this one is 5.01 MB. Make it smaller and upload it again',
    );
  });

  it('refuses an oversized upload for its size before looking at its contents', async () => {
    await refusedWith(Buffer.alloc(MAX_ARCHIVE_BYTES + 1, 0x41), 'ARCHIVE_TOO_LARGE');
  });
});

describe('inspectArchive: rar', () => {
  it('lists a RAR5 archive, Chinese names and folders included', async () => {
    expect(await inspectArchive(RAR5)).toEqual({
      format: 'rar',
      size: RAR5.length,
      entries: [
        { name: '注册资料', size: 0, directory: true },
        { name: '注册资料/营业执照.txt', size: 17, directory: false },
        { name: 'readme.txt', size: 5, directory: false },
      ],
    });
  });

  it('lists a RAR4 archive', async () => {
    expect((await inspectArchive(RAR4)).entries).toEqual([
      { name: 'docs', size: 0, directory: true },
      { name: 'docs/licence.txt', size: 13, directory: false },
    ]);
  });

  it('lists several archives at once, each its own', async () => {
    // node-unrar-js reads through one shared slot; interleaved listings must not cross.
    const zip = makeZip([{ name: 'z.txt', content: 'z' }]);
    const names = async (data: Buffer) => (await inspectArchive(data)).entries.map((e) => e.name);
    expect(await Promise.all([names(RAR5), names(RAR4), names(zip), names(RAR5), names(RAR4)])).toEqual([
      ['注册资料', '注册资料/营业执照.txt', 'readme.txt'],
      ['docs', 'docs/licence.txt'],
      ['z.txt'],
      ['注册资料', '注册资料/营业执照.txt', 'readme.txt'],
      ['docs', 'docs/licence.txt'],
    ]);
  });

  it('refuses a RAR holding only a folder, or nothing', async () => {
    await refusedWith(RAR5.subarray(0, 47), 'ARCHIVE_EMPTY'); // signature, main header, the folder
    await refusedWith(Buffer.concat([RAR5.subarray(...RAR5_HEAD), RAR5.subarray(...RAR5_END)]), 'ARCHIVE_EMPTY');
  });

  it('refuses a RAR with a damaged header', async () => {
    const damaged = Buffer.from(RAR5);
    damaged[damaged.indexOf('readme.txt')] ^= 1; // a name byte, so that header's CRC fails
    await refusedWith(damaged, 'ARCHIVE_UNREADABLE');
  });

  it('refuses a hostile name in a RAR as in a zip', async () => {
    const hostile = Buffer.from(RAR5);
    hostile.write('../eme.txt', hostile.indexOf('readme.txt'), 'latin1'); // same length as readme.txt
    // Re-seal the readme.txt header: its CRC covers the bytes after the CRC up to its 5 data bytes.
    const [start, end] = RAR5_README;
    hostile.writeUInt32LE(crc32(hostile.subarray(start + 4, end - 5)), start);
    const error = await refusedWith(hostile, 'ARCHIVE_UNSAFE_NAME');
    expect(error.params).toEqual({ name: '../eme.txt' });
  });

  it('refuses a password-protected RAR, whether its names or only its files are encrypted', async () => {
    await refusedWith(RAR5_HEADERS_ENCRYPTED, 'ARCHIVE_ENCRYPTED');
    await refusedWith(RAR5_FILE_ENCRYPTED, 'ARCHIVE_ENCRYPTED');
  });

  it(`accepts ${MAX_ARCHIVE_ENTRIES} RAR entries and refuses one more`, async () => {
    expect((await inspectArchive(rar5WithReadmeBlocks(MAX_ARCHIVE_ENTRIES))).entries).toHaveLength(MAX_ARCHIVE_ENTRIES);
    const error = await refusedWith(rar5WithReadmeBlocks(MAX_ARCHIVE_ENTRIES + 1), 'ARCHIVE_TOO_MANY_ENTRIES');
    expect(error.params).toEqual({ max: MAX_ARCHIVE_ENTRIES, count: MAX_ARCHIVE_ENTRIES + 1 });
  });
});

describe('ARCHIVE_ERROR_MESSAGES', () => {
  const placeholders = (text: string) => [...text.matchAll(/\{(\w+)\}/g)].map((m) => m[1]).sort();

  it.each(Object.entries(ARCHIVE_ERROR_MESSAGES))(
    '%s names the field and has the same placeholders in both languages',
    (_code, text) => {
      expect(text['zh-CN']).toContain('资料压缩包');
      expect(text.en).toContain('documents archive');
      expect(placeholders(text['zh-CN'])).toEqual(placeholders(text.en));
    },
  );

  it('agrees on placeholders with any code already in ERROR_MESSAGES, so switching to AppError keeps the params', () => {
    const shared: Record<string, { 'zh-CN': string; en: string }> = ERROR_MESSAGES;
    for (const [code, text] of Object.entries(ARCHIVE_ERROR_MESSAGES)) {
      const existing = shared[code];
      if (!existing) continue;
      expect(placeholders(existing['zh-CN']), code).toEqual(placeholders(text['zh-CN']));
      expect(placeholders(existing.en), code).toEqual(placeholders(text.en));
    }
  });

  it('gives the English text, with its params, as the error message', async () => {
    const error = await refusedWith(Buffer.from('MZ'), 'ARCHIVE_TYPE');
    expect(error).toBeInstanceOf(Error);
    expect(error.name).toBe('ArchiveError');
    expect(error.message).toBe(ARCHIVE_ERROR_MESSAGES.ARCHIVE_TYPE.en);
  });
});
