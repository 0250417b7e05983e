// The maker-checker flows: a draft is previewed (the service reads it and names
// the fields to sign), signed here and submitted; a reviewer's decisions are
// each signed on their own with one PIN.
import { AppError, type Lang } from '../../src-shared/errors';
import type { InstructionDraft, InstructionPreview } from '../../src-shared/api/settlement';
import type { DecisionOutcome } from '../../src-shared/ipc/contract';
import { desktopRoutes as routes } from '../../src-shared/routes';
import type { SignedPayload } from '../../src-shared/signing';
import type { FlowDeps, Handlers } from '../core/handler-types';
import { payloadOf, signChallenge, signPayloads } from './signer';

type InstructionMethod = 'instructions.preview' | 'instructions.submit' | 'instructions.decide';

export function instructionFlows(deps: FlowDeps): Pick<Handlers, InstructionMethod> {
  const { client } = deps;
  /** Instructions previewed and not yet signed, by serial: what is signed is what the service read. */
  const previews = new Map<string, { draft: InstructionDraft; preview: InstructionPreview; receivedAt: number }>();
  return {
    'instructions.preview': async ({ draft, serial }) => {
      const receivedAt = Date.now();
      const preview = serial
        ? await client.route(routes['instructions.previewAgain'], { serial, body: draft })
        : await client.route(routes['instructions.preview'], draft);
      previews.set(preview.serial, { draft, preview, receivedAt });
      return preview;
    },

    'instructions.submit': async ({ serial, sign }) => {
      const held = previews.get(serial);
      if (!held) throw new AppError('CHALLENGE_UNKNOWN');
      const { draft, preview, receivedAt } = held;
      const signature = await signChallenge(deps.tokens, sign, draft.kind, preview, receivedAt);
      const instruction = await client.route(routes['instructions.submit'], {
        draft,
        idempotencyKey: serial,
        signature,
      });
      previews.delete(serial);
      return instruction;
    },

    'instructions.decide': async ({ ids, decision, reason, sign }) => {
      const outcomes = new Map<number, DecisionOutcome>();
      const toSign: { id: number; payload: SignedPayload }[] = [];
      for (const id of ids) {
        try {
          const receivedAt = Date.now();
          const issued = await client.route(routes['instructions.decisionChallenge'], {
            id,
            body: { decision, reason },
          });
          toSign.push({ id, payload: payloadOf('decision', issued, receivedAt) });
        } catch (error) {
          outcomes.set(id, failure(id, error, deps.language()));
        }
      }
      // One PIN, one login on the token, each record signed on its own.
      const signatures = toSign.length
        ? await signPayloads(
            deps.tokens,
            sign,
            toSign.map((t) => t.payload),
            (done, total) => deps.signProgress(done, total),
          )
        : [];
      for (const [i, item] of toSign.entries()) {
        try {
          const instruction = await client.route(routes['instructions.decision'], {
            id: item.id,
            body: { decision, reason, signature: signatures[i] },
          });
          outcomes.set(item.id, { id: item.id, ok: true, instruction, error: null });
        } catch (error) {
          outcomes.set(item.id, failure(item.id, error, deps.language()));
        }
      }
      return { outcomes: ids.map((id) => outcomes.get(id)!) };
    },
  };
}

function failure(id: number, error: unknown, lang: Lang): DecisionOutcome {
  const shape = error instanceof AppError ? error.toShape(lang) : new AppError('INTERNAL').toShape(lang);
  return {
    id,
    ok: false,
    instruction: null,
    error: { code: shape.code, message: shape.message, fields: shape.fields },
  };
}
