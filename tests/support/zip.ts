// A tiny zip writer for tests: stored (uncompressed) entries, which is all a listing needs.
import { crc32 } from 'node:zlib';

export interface ZipItem {
  name: string | Buffer;
  content?: string | Buffer;
  /** General-purpose flags: 0x800 = UTF-8 name, 0x1 = encrypted. */
  flags?: number;
  /** The uncompressed size to declare, when it differs from the stored bytes (encryption). */
  declaredSize?: number;
}

export function makeZip(items: ZipItem[]): Buffer {
  const locals: Buffer[] = [];
  const centrals: Buffer[] = [];
  let offset = 0;
  for (const item of items) {
    const name = typeof item.name === 'string' ? Buffer.from(item.name, 'utf8') : item.name;
    const data =
      typeof item.content === 'string' ? Buffer.from(item.content, 'utf8') : (item.content ?? Buffer.alloc(0));
    const flags = item.flags ?? (typeof item.name === 'string' ? 0x800 : 0);
    const crc = crc32(data);
    const size = item.declaredSize ?? data.length;
    const local = Buffer.alloc(30);
    local.writeUInt32LE(0x04034b50, 0);
    local.writeUInt16LE(20, 4);
    local.writeUInt16LE(flags, 6);
    local.writeUInt32LE(crc, 14);
    local.writeUInt32LE(data.length, 18);
    local.writeUInt32LE(size, 22);
    local.writeUInt16LE(name.length, 26);
    const central = Buffer.alloc(46);
    central.writeUInt32LE(0x02014b50, 0);
    central.writeUInt16LE(20, 4);
    central.writeUInt16LE(20, 6);
    central.writeUInt16LE(flags, 8);
    central.writeUInt32LE(crc, 16);
    central.writeUInt32LE(data.length, 20);
    central.writeUInt32LE(size, 24);
    central.writeUInt16LE(name.length, 28);
    central.writeUInt32LE(offset, 42);
    locals.push(local, name, data);
    centrals.push(central, name);
    offset += local.length + name.length + data.length;
  }
  const directory = Buffer.concat(centrals);
  const end = Buffer.alloc(22);
  end.writeUInt32LE(0x06054b50, 0);
  end.writeUInt16LE(items.length, 8);
  end.writeUInt16LE(items.length, 10);
  end.writeUInt32LE(directory.length, 12);
  end.writeUInt32LE(offset, 16);
  return Buffer.concat([...locals, directory, end]);
}

/** A zip of exactly `total` bytes: one stored file whose content fills the rest. */
export function zipOfSize(total: number): Buffer {
  const overhead = makeZip([{ name: 'scan.pdf' }]).length;
  return makeZip([{ name: 'scan.pdf', content: Buffer.alloc(total - overhead, 0x25) }]);
}
