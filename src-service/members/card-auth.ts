// Bank-card authentication (银联鉴权): does the issuing bank hold this card for
// this person, with this reserved phone? No machine here reaches a card
// network, so the authenticator is an interface and the demo's is a SIMULATOR
// answering from a register of demo cards (src-service/demo/cards.ts).

export interface CardRecord {
  cardNo: string;
  bankCode: string;
  holder: string;
  /** ID number, or a company's credit code. */
  certNo: string;
  /** The phone the card holder reserved at the issuing bank. */
  phone: string;
  /** The issuer does not take part in authentication. */
  unsupported?: boolean;
}

export interface CardAuthRequest {
  cardNo: string;
  bankCode: string;
  holder: string;
  certNo: string;
  phone: string;
}

export type CardAuthField = 'holder' | 'certNo' | 'phone';

export type CardAuthAnswer =
  | { ok: true }
  | { ok: false; reason: 'unknown' | 'unsupported' }
  | { ok: false; reason: 'mismatch'; field: CardAuthField };

export interface CardAuthenticator {
  authenticate(request: CardAuthRequest): Promise<CardAuthAnswer>;
}

/** SIMULATOR: answers from the given register, field by field as the card network would. */
export function cardAuthSimulator(register: readonly CardRecord[]): CardAuthenticator {
  return {
    async authenticate(request) {
      const record = register.find((r) => r.cardNo === request.cardNo && r.bankCode === request.bankCode);
      if (!record) return { ok: false, reason: 'unknown' };
      if (record.unsupported) return { ok: false, reason: 'unsupported' };
      if (record.holder !== request.holder) return { ok: false, reason: 'mismatch', field: 'holder' };
      if (record.certNo !== request.certNo.toUpperCase()) return { ok: false, reason: 'mismatch', field: 'certNo' };
      if (record.phone !== request.phone) return { ok: false, reason: 'mismatch', field: 'phone' };
      return { ok: true };
    },
  };
}
