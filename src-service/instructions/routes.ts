// The maker-checker API. The service decides who may do what: makers need the
// kind's permission, checkers the review permission, and a checker is never
// the maker.
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { ErrorReply } from '../../src-shared/api/common';
import {
  DecisionChallenge,
  DecisionChallengeRequest,
  DecisionRequest,
  Instruction,
  InstructionDraft,
  InstructionListQuery,
  InstructionPage,
  InstructionPreview,
  PendingCounts,
  SubmitInstruction,
} from '../../src-shared/api/settlement';
import type { ServiceContext } from '../context';
import { requireSession } from '../http/guard';
import {
  decideInstruction,
  decisionChallenge,
  instructionDetail,
  instructionView,
  listInstructions,
  pendingCounts,
  previewInstruction,
  submitInstruction,
} from './service';

const errors = { 400: ErrorReply, 401: ErrorReply, 403: ErrorReply, 404: ErrorReply, 409: ErrorReply, 422: ErrorReply };
const IdParams = z.object({ id: z.coerce.number().int().positive() });

export function instructionRoutes(ctx: ServiceContext): FastifyPluginAsyncZod {
  return async (app) => {
    app.post(
      '/instructions/preview',
      {
        schema: {
          tags: ['instructions'],
          summary: 'Read a draft, reserve its serial and issue the challenge to sign',
          body: InstructionDraft,
          response: { 200: InstructionPreview, ...errors },
        },
      },
      async (request) => previewInstruction(ctx, requireSession(request), request.body, request.lang),
    );

    app.post(
      '/instructions',
      {
        schema: {
          tags: ['instructions'],
          summary: 'Submit an instruction signed by its maker (awaiting review)',
          body: SubmitInstruction,
          response: { 200: Instruction, ...errors },
        },
      },
      async (request) =>
        instructionView(ctx, await submitInstruction(ctx, requireSession(request), request.body), request.lang, true),
    );

    app.get(
      '/instructions/pending-counts',
      {
        schema: {
          tags: ['instructions'],
          summary: 'Instructions awaiting review, by kind',
          response: { 200: PendingCounts, ...errors },
        },
      },
      async (request) => pendingCounts(ctx, requireSession(request)),
    );

    app.get(
      '/instructions',
      {
        schema: {
          tags: ['instructions'],
          summary: 'Instructions, newest first',
          querystring: InstructionListQuery,
          response: { 200: InstructionPage, ...errors },
        },
      },
      async (request) => listInstructions(ctx, requireSession(request), request.query, request.lang),
    );

    app.get(
      '/instructions/:id',
      {
        schema: {
          tags: ['instructions'],
          summary: 'An instruction with its history and the maker’s signature checked',
          params: IdParams,
          response: { 200: Instruction, ...errors },
        },
      },
      async (request) => instructionDetail(ctx, requireSession(request), request.params.id, request.lang),
    );

    app.post(
      '/instructions/:id/decision-challenge',
      {
        schema: {
          tags: ['instructions'],
          summary: 'The challenge the checker signs with a decision',
          params: IdParams,
          body: DecisionChallengeRequest,
          response: { 200: DecisionChallenge, ...errors },
        },
      },
      async (request) => decisionChallenge(ctx, requireSession(request), request.params.id, request.body),
    );

    app.post(
      '/instructions/:id/decision',
      {
        schema: {
          tags: ['instructions'],
          summary: 'Approve (executes at once) or reject with a reason, signed by the checker',
          params: IdParams,
          body: DecisionRequest,
          response: { 200: Instruction, ...errors },
        },
      },
      async (request) =>
        instructionView(
          ctx,
          await decideInstruction(ctx, requireSession(request), request.params.id, request.body),
          request.lang,
          true,
        ),
    );
  };
}
