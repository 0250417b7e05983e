// The bank's signed receipts: issued to a signed-in owner, and checked by anyone
// holding a printed one — by its verification code, without a login.
import { IssuedReceipt, ReceiptCertificates, ReceiptCodeParams, ReceiptDocument, ReceiptSubject } from '../receipts';
import { defineRoutes } from './define';

export const receiptRoutes = defineRoutes('receipts', {
  'receipts.issue': {
    method: 'POST',
    path: '/receipts',
    input: ReceiptSubject,
    reply: IssuedReceipt,
    audience: 'desktop',
    summary:
      'The bank-signed receipt of an instruction, a transaction or a member operation (signed at its first view)',
  },
  'receipts.lookup': {
    method: 'GET',
    path: '/public/receipts/:code',
    params: ReceiptCodeParams,
    reply: ReceiptDocument,
    audience: 'desktop',
    auth: 'none',
    summary: 'A receipt by its verification code, account numbers masked (rate-limited per address)',
  },
  'receipts.certificates': {
    method: 'GET',
    path: '/public/receipt-certificates',
    reply: ReceiptCertificates,
    audience: 'desktop',
    auth: 'none',
    summary: 'The bank CA and document-signing certificates (PEM) a receipt verifies against',
  },
});
