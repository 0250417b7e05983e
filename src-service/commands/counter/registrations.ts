// The bank counter's side of member registration: list the applications, look
// inside a documents archive, save it, approve or reject.
import { writeFileSync } from 'node:fs';
import type { ServiceContext } from '../../context';
import {
  approveRegistration,
  listRegistrations,
  registrationArchive,
  rejectRegistration,
} from '../../registrations/service';

const COUNTER = 'counter';

export async function counterRegistrationList(
  ctx: ServiceContext,
  status: 'pending' | 'approved' | 'rejected' | 'all',
): Promise<string> {
  const rows = await listRegistrations(ctx.db, status === 'all' ? undefined : status);
  if (rows.length === 0) return `no ${status === 'all' ? '' : `${status} `}registrations`;
  return rows
    .map((r) =>
      [r.serial, r.status, r.member_type, r.name, `${r.cert_type} ${r.cert_no}`, r.phone, r.created_at].join('  '),
    )
    .join('\n');
}

export async function counterRegistrationShow(ctx: ServiceContext, serial: string): Promise<string> {
  const row = (await listRegistrations(ctx.db)).find((r) => r.serial === serial);
  if (!row) return `no registration ${serial}`;
  const lines = [
    `serial        ${row.serial} (${row.status})`,
    `member type   ${row.member_type}`,
    `name          ${row.name}`,
    `certificate   ${row.cert_type} ${row.cert_no}`,
    `contact       ${row.contact_name ?? '—'}  ${row.phone}`,
    `address       ${row.address ?? '—'}`,
    `email         ${row.email ?? '—'}`,
    `submitted     ${row.created_at}`,
  ];
  if (row.reject_reason) lines.push(`rejected      ${row.reject_reason}`);
  if (row.archive_name) {
    const { listing } = await registrationArchive(ctx.db, serial);
    lines.push(
      `archive       ${row.archive_name} (${listing.format}, ${listing.size} bytes, ${listing.entries.length} entries)`,
    );
    for (const e of listing.entries)
      lines.push(`  ${e.directory ? '[dir] ' : ''}${e.name}${e.directory ? '' : `  ${e.size} bytes`}`);
  }
  return lines.join('\n');
}

export async function counterRegistrationExport(ctx: ServiceContext, serial: string, out: string): Promise<string> {
  const archive = await registrationArchive(ctx.db, serial);
  writeFileSync(out, archive.data, { mode: 0o600 });
  return `wrote ${archive.data.length} bytes (${archive.name}) to ${out}`;
}

export async function counterRegistrationApprove(ctx: ServiceContext, serial: string): Promise<string> {
  const { loginName } = await approveRegistration(ctx, serial, COUNTER);
  return `approved ${serial}: login name ${loginName}; the initial password went to the applicant by SMS. Issue the USB-KEY with: issue-token ${loginName} --token-label "SK ${loginName}" --init`;
}

export async function counterRegistrationReject(ctx: ServiceContext, serial: string, reason: string): Promise<string> {
  await rejectRegistration(ctx, serial, reason, COUNTER);
  return `rejected ${serial}; the applicant was told by SMS`;
}
