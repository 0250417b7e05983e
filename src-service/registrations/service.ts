// Becoming a member of the member system. An individual registers online:
// the SMS code proves the phone, the card network proves the card, and the
// login name and an initial password arrive by SMS. A corporate applicant
// uploads the documents archive and waits for the bank counter, which approves
// (the member, its user and an initial password by SMS; the USB-KEY is issued
// at the counter) or rejects with a reason.
import { randomInt } from 'node:crypto';
import type { Kysely, Transaction } from 'kysely';
import type {
  CorporateRegistration,
  IndividualRegistration,
  OtpPurpose,
  RegistrationReceipt,
} from '../../src-shared/api/registration';
import { AppError, type ErrorCode, type ErrorParams } from '../../src-shared/errors';
import { appendAudit } from '../audit/log';
import { hashPassword, randomInitialPassword } from '../auth/passwords';
import type { ServiceContext } from '../context';
import { marketByCode } from '../markets/markets';
import { authenticateCard, checkCardFree, recordCard } from '../members/cards';
import { sendOtp, verifyOtp } from '../members/otp';
import { insertMember, type NewMember } from '../members/store';
import { maskPhone } from '../members/verification';
import type { Database, RegistrationsTable } from '../store/schema';
import { atomically } from '../store/tx';
import { ArchiveError, inspectArchive, type ArchiveListing } from './archive';

const BANK = '【SettleKey 演示银行】';

export function publicPurpose(purpose: OtpPurpose): string {
  return `public:${purpose}`;
}

/** The SMS code of a registration or a recovery, sent to the phone the form names. */
export async function sendPublicOtp(ctx: ServiceContext, phone: string, purpose: OtpPurpose) {
  const what = purpose === 'register' ? '会员注册' : '找回登录名和密码';
  const sent = await sendOtp(ctx, ctx.sms, {
    phone,
    purpose: publicPurpose(purpose),
    describe: (code) => `${BANK}动态码 ${code}，用于${what}，120 秒内有效，请勿告诉他人。`,
  });
  return { ...sent, phone: maskPhone(phone) };
}

/** The archive's bytes, checked; its refusals name the field. */
export async function checkArchive(base64: string): Promise<{ data: Buffer; listing: ArchiveListing }> {
  const data = Buffer.from(base64, 'base64');
  try {
    return { data, listing: await inspectArchive(data) };
  } catch (error) {
    if (!(error instanceof ArchiveError)) throw error;
    throw archiveRefusal(error.code, error.params);
  }
}

/** The field carries the error's own rule: AppError words it in the caller's language. */
export function archiveRefusal(code: ErrorCode, params?: ErrorParams): AppError {
  return new AppError(code, params, [{ field: 'archive', rule: code, message: '' }]);
}

async function checkNoActiveMember(db: Kysely<Database>, certType: string, certNo: string): Promise<void> {
  const member = await db
    .selectFrom('members')
    .select('id')
    .where('cert_type', '=', certType)
    .where('cert_no', '=', certNo)
    .where('status', '=', 'active')
    .executeTakeFirst();
  if (member) throw new AppError('REGISTRATION_EXISTS');
}

/** Neither a member already nor an application waiting at the counter. */
async function checkNotMember(db: Kysely<Database>, certType: string, certNo: string): Promise<void> {
  await checkNoActiveMember(db, certType, certNo);
  const pending = await db
    .selectFrom('registrations')
    .select('serial')
    .where('cert_type', '=', certType)
    .where('cert_no', '=', certNo)
    .where('status', '=', 'pending')
    .executeTakeFirst();
  if (pending) throw new AppError('REGISTRATION_PENDING', { serial: pending.serial });
}

async function marketIdOf(db: Kysely<Database>, code: string | undefined): Promise<number | null> {
  if (!code) return null;
  return (await marketByCode(db, code)).id;
}

/** A login name the member can change later: "sk" and eight digits, unused. */
async function newLoginName(trx: Transaction<Database>): Promise<string> {
  for (;;) {
    const name = `sk${String(randomInt(10_000_000, 100_000_000))}`;
    const taken = await trx.selectFrom('users').select('id').where('login_name', '=', name).executeTakeFirst();
    if (!taken) return name;
  }
}

/** The member and its user, with a random initial password (changed at first login). */
async function createMember(
  trx: Transaction<Database>,
  ctx: ServiceContext,
  input: Omit<NewMember, 'loginName' | 'passwordHash' | 'at'>,
): Promise<{ memberId: number; userId: number; loginName: string; password: string }> {
  const loginName = await newLoginName(trx);
  const password = randomInitialPassword();
  const created = await insertMember(trx, {
    ...input,
    loginName,
    passwordHash: await hashPassword(password),
    at: ctx.clock.nowIso(),
  });
  return { ...created, loginName, password };
}

export async function registerCorporate(
  ctx: ServiceContext,
  input: CorporateRegistration,
): Promise<RegistrationReceipt> {
  const { data, listing } = await checkArchive(input.archive.base64);
  await checkNotMember(ctx.db, input.certType, input.certNo);
  const marketId = await marketIdOf(ctx.db, input.marketCode);
  await verifyOtp(ctx, { ...input.otp, phone: input.phone, purpose: publicPurpose('register') });
  const serial = await atomically(ctx.db, async (trx) => {
    const reserved = await ctx.serials.next(trx, ctx.clock.today());
    await trx
      .insertInto('registrations')
      .values({
        serial: reserved,
        member_type: 'corporate',
        name: input.name,
        cert_type: input.certType,
        cert_no: input.certNo,
        contact_name: input.contactName,
        phone: input.phone,
        address: input.address,
        email: input.email ?? null,
        market_id: marketId,
        archive: data,
        archive_name: input.archive.name,
        archive_format: listing.format,
        archive_size: listing.size,
        status: 'pending',
        created_at: ctx.clock.nowIso(),
      })
      .execute();
    await appendAudit(trx, {
      at: ctx.clock.nowIso(),
      actor: `phone:${maskPhone(input.phone)}`,
      action: 'registration.submitted',
      entity: 'registration',
      entityId: reserved,
      details: { memberType: 'corporate', certType: input.certType, files: listing.entries.length },
    });
    return reserved;
  });
  await ctx.sms.send(input.phone, `${BANK}您的会员注册申请（申请号 ${serial}）已受理，银行审核资料后将以短信通知您。`);
  return { serial, memberType: 'corporate', status: 'pending', phone: maskPhone(input.phone) };
}

export async function registerIndividual(
  ctx: ServiceContext,
  input: IndividualRegistration,
): Promise<RegistrationReceipt> {
  await checkNotMember(ctx.db, 'ID', input.idNo);
  await checkCardFree(ctx.db, input.card.cardNo, null);
  const marketId = await marketIdOf(ctx.db, input.marketCode);
  // The code proves the phone before the card network is asked anything.
  await verifyOtp(ctx, { ...input.otp, phone: input.card.phone, purpose: publicPurpose('register') });
  const { bank, branch } = await authenticateCard(ctx, {
    subject: `phone:${input.card.phone}`,
    holder: input.name,
    certNo: input.idNo,
    card: input.card,
  });
  const created = await atomically(ctx.db, async (trx) => {
    await checkNotMember(trx, 'ID', input.idNo);
    const member = await createMember(trx, ctx, {
      memberType: 'individual',
      name: input.name,
      certType: 'ID',
      certNo: input.idNo,
      phone: input.card.phone,
    });
    await recordCard(trx, {
      memberId: member.memberId,
      holder: input.name,
      card: input.card,
      bank,
      branch,
      purpose: 'bound',
      status: 'active',
      at: ctx.clock.nowIso(),
    });
    const serial = await ctx.serials.next(trx, ctx.clock.today());
    await trx
      .insertInto('registrations')
      .values({
        serial,
        member_type: 'individual',
        name: input.name,
        cert_type: 'ID',
        cert_no: input.idNo,
        phone: input.card.phone,
        market_id: marketId,
        status: 'approved',
        created_at: ctx.clock.nowIso(),
        decided_at: ctx.clock.nowIso(),
        decided_by: 'card-authentication',
        member_id: member.memberId,
      })
      .execute();
    await appendAudit(trx, {
      at: ctx.clock.nowIso(),
      actor: `phone:${maskPhone(input.card.phone)}`,
      action: 'registration.individual',
      entity: 'member',
      entityId: member.memberId,
      details: { serial, loginName: member.loginName, bank: bank.code },
    });
    return { ...member, serial };
  });
  await ctx.sms.send(
    input.card.phone,
    `${BANK}会员注册成功。登录名 ${created.loginName}，初始密码 ${created.password}，首次登录须修改密码。`,
  );
  return { serial: created.serial, memberType: 'individual', status: 'approved', phone: maskPhone(input.card.phone) };
}

// ── the bank counter ──────────────────────────────────────────────────────

export type RegistrationRow = Omit<RegistrationsTable, 'archive' | 'id'> & { id: number };

export async function listRegistrations(
  db: Kysely<Database>,
  status?: RegistrationsTable['status'],
): Promise<RegistrationRow[]> {
  return db
    .selectFrom('registrations')
    .select([
      'id',
      'serial',
      'member_type',
      'name',
      'cert_type',
      'cert_no',
      'contact_name',
      'phone',
      'address',
      'email',
      'market_id',
      'archive_name',
      'archive_format',
      'archive_size',
      'status',
      'reject_reason',
      'created_at',
      'decided_at',
      'decided_by',
      'member_id',
    ])
    .$if(status !== undefined, (q) => q.where('status', '=', status!))
    .orderBy('id')
    .execute();
}

async function registrationBySerial(db: Kysely<Database>, serial: string) {
  const row = await db.selectFrom('registrations').selectAll().where('serial', '=', serial).executeTakeFirst();
  if (!row) throw new AppError('REGISTRATION_NOT_FOUND');
  return row;
}

/** The archive exactly as uploaded, and what it holds. */
export async function registrationArchive(
  db: Kysely<Database>,
  serial: string,
): Promise<{ name: string; data: Buffer; listing: ArchiveListing }> {
  const row = await registrationBySerial(db, serial);
  if (!row.archive) throw new AppError('NOT_FOUND');
  const data = Buffer.from(row.archive);
  return { name: row.archive_name ?? `${serial}.${row.archive_format}`, data, listing: await inspectArchive(data) };
}

export async function approveRegistration(
  ctx: ServiceContext,
  serial: string,
  by: string,
): Promise<{ loginName: string; memberId: number }> {
  const created = await atomically(ctx.db, async (trx) => {
    const row = await registrationBySerial(trx, serial);
    if (row.status !== 'pending') throw new AppError('REGISTRATION_DECIDED', { status: row.status });
    await checkNoActiveMember(trx, row.cert_type, row.cert_no);
    const member = await createMember(trx, ctx, {
      memberType: row.member_type,
      name: row.name,
      certType: row.cert_type,
      certNo: row.cert_no,
      phone: row.phone,
      contactName: row.contact_name,
      address: row.address,
      email: row.email,
    });
    const decided = await trx
      .updateTable('registrations')
      .set({ status: 'approved', decided_at: ctx.clock.nowIso(), decided_by: by, member_id: member.memberId })
      .where('id', '=', row.id)
      .where('status', '=', 'pending')
      .executeTakeFirst();
    if (Number(decided.numUpdatedRows) !== 1) throw new AppError('REGISTRATION_DECIDED', { status: 'approved' });
    await appendAudit(trx, {
      at: ctx.clock.nowIso(),
      actor: by,
      action: 'registration.approved',
      entity: 'registration',
      entityId: serial,
      details: { memberId: member.memberId, loginName: member.loginName },
    });
    return { ...member, phone: row.phone };
  });
  await ctx.sms.send(
    created.phone,
    `${BANK}您的会员注册申请（申请号 ${serial}）已通过审核。登录名 ${created.loginName}，初始密码 ${created.password}，首次登录须修改密码；USB-KEY 由银行寄送至您登记的邮寄地址。`,
  );
  return { loginName: created.loginName, memberId: created.memberId };
}

export async function rejectRegistration(ctx: ServiceContext, serial: string, reason: string, by: string) {
  const text = reason.trim();
  if (text.length < 1 || text.length > 200) throw new AppError('REJECT_REASON_REQUIRED');
  const phone = await atomically(ctx.db, async (trx) => {
    const row = await registrationBySerial(trx, serial);
    if (row.status !== 'pending') throw new AppError('REGISTRATION_DECIDED', { status: row.status });
    await trx
      .updateTable('registrations')
      .set({ status: 'rejected', reject_reason: text, decided_at: ctx.clock.nowIso(), decided_by: by })
      .where('id', '=', row.id)
      .execute();
    await appendAudit(trx, {
      at: ctx.clock.nowIso(),
      actor: by,
      action: 'registration.rejected',
      entity: 'registration',
      entityId: serial,
      details: { reason: text },
    });
    return row.phone;
  });
  await ctx.sms.send(phone, `${BANK}您的会员注册申请（申请号 ${serial}）未通过审核，原因：${text}。`);
}
