// The maker-checker API: what an operator previews, signs and submits, and what
// a reviewer reads and decides. Signing happens in the main process, so the
// steps around a signature are flows, not relayed calls.
import { z } from 'zod';
import {
  DecisionChallenge,
  DecisionChallengeRequest,
  DecisionRequest,
  Instruction,
  InstructionDraft,
  InstructionListQuery,
  InstructionPage,
  InstructionPreview,
  InstructionSerial,
  PendingCounts,
  SubmitInstruction,
} from '../api/settlement';
import { defineRoutes, PathId } from './define';

const IdParams = z.object({ id: PathId });

export const instructionRoutes = defineRoutes('instructions', {
  'instructions.preview': {
    method: 'POST',
    path: '/instructions/preview',
    input: InstructionDraft,
    reply: InstructionPreview,
    audience: 'desktop',
    flowOnly: true,
    summary: 'Read a draft, reserve its serial and issue the challenge to sign',
  },
  'instructions.previewAgain': {
    method: 'POST',
    path: '/instructions/preview/:serial',
    params: z.object({ serial: InstructionSerial }),
    input: InstructionDraft,
    reply: InstructionPreview,
    audience: 'desktop',
    flowOnly: true,
    summary:
      'Read a draft previewed before (上一步, then 下一步) again, keeping the serial its first preview reserved when it is still the maker’s, unused, of the same kind and today',
  },
  'instructions.submit': {
    method: 'POST',
    path: '/instructions',
    input: SubmitInstruction,
    reply: Instruction,
    audience: 'desktop',
    flowOnly: true,
    summary: 'Submit an instruction signed by its maker (awaiting review)',
  },
  'instructions.counts': {
    method: 'GET',
    path: '/instructions/pending-counts',
    reply: PendingCounts,
    audience: 'desktop',
    summary: 'Instructions awaiting review, by kind',
  },
  'instructions.list': {
    method: 'GET',
    path: '/instructions',
    input: InstructionListQuery,
    reply: InstructionPage,
    audience: 'desktop',
    summary: 'Instructions, newest first',
  },
  'instructions.get': {
    method: 'GET',
    path: '/instructions/:id',
    params: IdParams,
    reply: Instruction,
    audience: 'desktop',
    summary: 'An instruction with its history and the maker’s signature checked',
  },
  'instructions.decisionChallenge': {
    method: 'POST',
    path: '/instructions/:id/decision-challenge',
    params: IdParams,
    input: DecisionChallengeRequest,
    reply: DecisionChallenge,
    audience: 'desktop',
    flowOnly: true,
    summary: 'The challenge the checker signs with a decision',
  },
  'instructions.decision': {
    method: 'POST',
    path: '/instructions/:id/decision',
    params: IdParams,
    input: DecisionRequest,
    reply: Instruction,
    audience: 'desktop',
    flowOnly: true,
    summary: 'Approve (executes at once) or reject with a reason, signed by the checker',
  },
});
