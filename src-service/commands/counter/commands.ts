// The bank counter's back-office commands. They act on the service's database
// directly (the counter is inside the bank), each in one transaction.
import type { Kysely } from 'kysely';
import { AppError } from '../../../src-shared/errors';
import type { KeyType } from '../../../src-shared/token';
import { Pkcs11Driver } from '../../../src-token/pkcs11-driver';
import { SkfDriver } from '../../../src-token/skf-driver';
import { blankSkfDevice, issueSm2Key } from '../../../src-token/skf-provision';
import { findUserByLoginName, unlockUser } from '../../auth/users';
import { issueCertificate, revokeCertificate } from '../../certificates/issue';
import type { ServiceContext } from '../../context';
import type { Database } from '../../store/schema';

export async function counterUnlockUser(db: Kysely<Database>, loginName: string): Promise<string> {
  const user = await findUserByLoginName(db, loginName);
  if (!user) throw new AppError('USER_NOT_FOUND', { loginName });
  if (user.locked !== 1) return `${loginName} is not locked (failed attempts: ${user.failed_attempts})`;
  await unlockUser(db, user.id);
  return `${loginName} unlocked; the failed-password count is back to 0`;
}

export interface IssueTokenOptions {
  loginName: string;
  /** The PKCS#11 module (RSA and EC keys). */
  modulePath: string;
  /** The SKF library (SM2 keys): a vendor's, or SettleKey's simulator. */
  skfLibrary?: string;
  /** The token to use, by label; with `init`, the label a blank token gets. */
  tokenLabel: string;
  /** Initialise a blank token first (needs the SO PIN); never touches an initialised one. */
  init: boolean;
  userPin: string;
  soPin?: string;
  keyType: KeyType;
  validityDays?: number;
}

/**
 * The counter's USB-KEY issuance: the key pair is generated ON the token
 * (sensitive, not extractable), the CSR is signed by the token, the bank CA
 * issues the certificate, and it is written back under the key's CKA_ID.
 */
export async function counterIssueToken(ctx: ServiceContext, options: IssueTokenOptions): Promise<string> {
  const user = await findUserByLoginName(ctx.db, options.loginName);
  if (!user) throw new AppError('USER_NOT_FOUND', { loginName: options.loginName });
  const organization = user.enterprise_id
    ? (
        await ctx.db
          .selectFrom('enterprises')
          .select('name')
          .where('id', '=', user.enterprise_id)
          .executeTakeFirstOrThrow()
      ).name
    : ((
        await ctx.db
          .selectFrom('members')
          .select('name')
          .where('id', '=', user.member_id ?? -1)
          .executeTakeFirst()
      )?.name ?? '');
  if (options.keyType === 'sm2') return issueOnSkf(ctx, options, user.id, organization);
  // The bank's CA key may sit on SoftHSM2 as well (the demo's stand-in HSM), and a
  // PKCS#11 library is one per process: the user's token is closed while the CA
  // signs, and the CA's worker is closed before the token is opened again.
  const driver = new Pkcs11Driver(options.modulePath);
  driver.load();
  let token: { label: string; serial: string } | undefined;
  let made: { keyId: string; csrPem: string };
  try {
    let found = driver.tokens().find((t) => t.label === options.tokenLabel);
    if (options.init) {
      if (found)
        throw new AppError('TOKEN_FUNCTION_FAILED', {
          ckr: `token "${options.tokenLabel}" is initialised already; --init refused`,
        });
      const blank = driver.uninitializedSlots()[0];
      if (!blank) throw new AppError('TOKEN_NOT_PRESENT');
      if (!options.soPin) throw new AppError('TOKEN_PIN_FORMAT');
      driver.initToken(blank, options.tokenLabel, options.soPin, options.userPin);
      driver.reinitialize();
      found = driver.tokens().find((t) => t.label === options.tokenLabel);
    }
    if (!found) throw new AppError('TOKEN_NOT_PRESENT');
    token = found;
    made = await driver.withLogin(found.slotId, options.userPin, true, async (s) => {
      const key = await driver.generateKeyPair(s, options.keyType, options.loginName);
      const csrPem = await driver.createCsr(s, key, options.keyType, { commonName: options.loginName, organization });
      return { keyId: key.keyId, csrPem };
    });
  } finally {
    driver.close();
  }
  let issued: Awaited<ReturnType<typeof issueCertificate>>;
  try {
    issued = await issueCertificate(ctx, {
      userId: user.id,
      csrPem: made.csrPem,
      media: 'token',
      validityDays: options.validityDays,
    });
  } finally {
    await ctx.bankKeys.close();
  }
  const writer = new Pkcs11Driver(options.modulePath);
  writer.load();
  try {
    const slotId = writer.tokens().find((t) => t.label === options.tokenLabel)?.slotId;
    if (!slotId) throw new AppError('TOKEN_NOT_PRESENT');
    const protection = await writer.withLogin(slotId, options.userPin, true, async (s) => {
      writer.writeCertificate(s, made.keyId, issued.der, `${options.loginName} ${issued.serial.slice(0, 8)}`);
      return writer.privateKeyProtection(s, made.keyId);
    });
    return [
      `USB-KEY issued to ${options.loginName} on token "${options.tokenLabel}" (serial ${token.serial})`,
      `  key: ${options.keyType.toUpperCase()}, CKA_ID ${made.keyId}, sensitive=${protection.sensitive}, extractable=${protection.extractable}`,
      `  certificate: serial ${issued.serial}, valid until ${issued.notAfter}, status issued (activated at the user's sign-off)`,
    ].join('\n');
  } finally {
    writer.close();
  }
}

/**
 * The same issuance on an SM2 USB-KEY over SKF: the application issued on a
 * blank device with `init` (its admin PIN is the SO PIN given), the key made in
 * a container named after the holder, the request signed there, the SM2 CA's
 * certificate written back into that container.
 */
async function issueOnSkf(
  ctx: ServiceContext,
  options: IssueTokenOptions,
  userId: number,
  organization: string,
): Promise<string> {
  if (!options.skfLibrary) throw new AppError('TOKEN_MODULE_NOT_FOUND', { path: '', cause: 'no SKF library' });
  const driver = new SkfDriver(options.skfLibrary);
  driver.load();
  try {
    const found = driver.tokens().find((t) => t.label === options.tokenLabel);
    if (options.init && found)
      throw new AppError('TOKEN_FUNCTION_FAILED', {
        ckr: `device "${options.tokenLabel}" is issued already; --init refused`,
      });
    if (options.init && !options.soPin) throw new AppError('TOKEN_PIN_FORMAT');
    if (!options.init && !found) throw new AppError('TOKEN_NOT_PRESENT');
    const target = options.init ? blankSkfDevice([driver], options.tokenLabel) : { slotId: found!.slotId };
    const made = await issueSm2Key(driver, target.slotId, {
      init: options.init ? { label: options.tokenLabel, soPin: options.soPin! } : undefined,
      userPin: options.userPin,
      subject: { commonName: options.loginName, organization },
      newDevice: options.init,
    });
    let issued: Awaited<ReturnType<typeof issueCertificate>>;
    try {
      issued = await issueCertificate(ctx, {
        userId,
        csrPem: made.csrPem,
        media: 'token',
        validityDays: options.validityDays,
      });
    } finally {
      await ctx.bankKeys.close();
    }
    await driver.withLogin(made.slotId, options.userPin, (s) => driver.writeCertificate(s, made.keyId, issued.der));
    const device = driver.tokens().find((t) => t.slotId === made.slotId);
    return [
      `USB-KEY issued to ${options.loginName} on SKF device "${options.tokenLabel}" (serial ${device?.serial ?? '?'})`,
      `  key: SM2 in container "${options.loginName}", made on the device (SKF_GenECCKeyPair)`,
      `  certificate: serial ${issued.serial} (SM3withSM2, the bank's SM2 CA), valid until ${issued.notAfter}, status issued (activated at the user's sign-off)`,
    ].join('\n');
  } finally {
    driver.close();
  }
}

export async function counterRevoke(ctx: ServiceContext, serial: string, reason: string): Promise<string> {
  await revokeCertificate(ctx, serial, reason);
  return `certificate ${serial} revoked: ${reason}`;
}
