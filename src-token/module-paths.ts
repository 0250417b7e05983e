// Where USB-KEY middleware usually installs its PKCS#11 module, per OS. The
// first file that exists wins unless Settings names one. Vendors' names for
// the Chinese banks' tokens vary by bank and version; these are the common ones.
import { existsSync } from 'node:fs';

export interface KnownModule {
  vendor: string;
  path: string;
}

const LINUX: KnownModule[] = [
  { vendor: 'SoftHSM2', path: '/usr/lib/softhsm/libsofthsm2.so' },
  { vendor: 'SoftHSM2', path: '/usr/lib/x86_64-linux-gnu/softhsm/libsofthsm2.so' },
  { vendor: 'SoftHSM2', path: '/usr/local/lib/softhsm/libsofthsm2.so' },
  { vendor: 'OpenSC', path: '/usr/lib/x86_64-linux-gnu/opensc-pkcs11.so' },
  { vendor: 'OpenSC', path: '/usr/lib/opensc-pkcs11.so' },
  { vendor: 'YubiKey (ykcs11)', path: '/usr/lib/x86_64-linux-gnu/libykcs11.so' },
  { vendor: 'YubiKey (ykcs11)', path: '/usr/local/lib/libykcs11.so' },
  { vendor: 'SafeNet eToken', path: '/usr/lib/libeTPkcs11.so' },
  { vendor: 'Feitian ePass2003 (飞天诚信)', path: '/usr/lib/libcastle.so.1.0.0' },
  { vendor: 'Feitian ePass (飞天诚信)', path: '/usr/lib/libshuttle_p11v220.so' },
  { vendor: 'Watchdata (握奇)', path: '/usr/lib/libWDPKCS.so' },
  { vendor: 'Longmai mToken (龙脉)', path: '/usr/lib/libmtoken_gm3000.so' },
  { vendor: 'Haitai (海泰方圆)', path: '/usr/lib/libhtpkcs11.so' },
];

const MAC: KnownModule[] = [
  { vendor: 'SoftHSM2', path: '/opt/homebrew/lib/softhsm/libsofthsm2.so' },
  { vendor: 'SoftHSM2', path: '/usr/local/lib/softhsm/libsofthsm2.so' },
  { vendor: 'OpenSC', path: '/Library/OpenSC/lib/opensc-pkcs11.so' },
  { vendor: 'YubiKey (ykcs11)', path: '/usr/local/lib/libykcs11.dylib' },
  { vendor: 'SafeNet eToken', path: '/usr/local/lib/libeTPkcs11.dylib' },
  { vendor: 'Feitian ePass (飞天诚信)', path: '/usr/local/lib/libcastle.1.0.0.dylib' },
];

const WINDOWS: KnownModule[] = [
  { vendor: 'SafeNet eToken', path: 'C:\\Windows\\System32\\eTPKCS11.dll' },
  { vendor: 'Feitian ePass3003 (飞天诚信)', path: 'C:\\Windows\\System32\\ShuttleCsp11_3003.dll' },
  { vendor: 'Feitian ePass2000 (飞天诚信)', path: 'C:\\Windows\\System32\\ngp11v211.dll' },
  { vendor: 'Watchdata (握奇)', path: 'C:\\Windows\\System32\\WDPKCS.dll' },
  { vendor: 'Longmai mToken (龙脉)', path: 'C:\\Windows\\System32\\mtoken_gm3000.dll' },
  { vendor: 'OpenSC', path: 'C:\\Program Files\\OpenSC Project\\OpenSC\\pkcs11\\opensc-pkcs11.dll' },
  { vendor: 'YubiKey (ykcs11)', path: 'C:\\Program Files\\Yubico\\Yubico PIV Tool\\bin\\libykcs11.dll' },
  { vendor: 'SoftHSM2', path: 'C:\\SoftHSM2\\lib\\softhsm2-x64.dll' },
];

export function knownModules(platform: NodeJS.Platform = process.platform): KnownModule[] {
  if (platform === 'win32') return WINDOWS;
  if (platform === 'darwin') return MAC;
  return LINUX;
}

export function findKnownModule(
  platform: NodeJS.Platform = process.platform,
  exists: (path: string) => boolean = existsSync,
): KnownModule | null {
  return knownModules(platform).find((m) => exists(m.path)) ?? null;
}

/** Reads dlopen's message for the likely cause: the file, its architecture, or a library it needs. */
export function explainLoadFailure(
  path: string,
  message: string,
  exists: (path: string) => boolean = existsSync,
): string {
  if (!exists(path)) return 'the file does not exist / 文件不存在';
  if (
    /wrong ELF class|mach-o, but wrong architecture|incompatible architecture|not a valid Win32 application|%1 is not a valid/i.test(
      message,
    )
  ) {
    return `wrong architecture for this ${process.arch} process / 架构不匹配（需要 ${process.arch} 版本）`;
  }
  const missing = /(lib[\w.+-]+\.so[\d.]*|[\w.+-]+\.dylib|[\w.+-]+\.dll): cannot open shared object file/.exec(message);
  if (missing && !message.startsWith(path))
    return `a library it needs is missing: ${missing[1]} / 缺少依赖库 ${missing[1]}`;
  if (/cannot open shared object file|image not found|The specified module could not be found/i.test(message)) {
    return `a library it needs is missing / 缺少依赖库 (${message.slice(0, 160)})`;
  }
  if (/invalid ELF header|file too short|not a mach-o/i.test(message)) return 'not a shared library / 不是有效的动态库';
  if (/undefined symbol|C_GetFunctionList/i.test(message)) return 'not a PKCS#11 module / 不是 PKCS#11 模块';
  return message.slice(0, 200);
}
