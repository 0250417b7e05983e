// The maker-checker API. The service decides who may do what: makers need the
// kind's permission, checkers the review permission, and a checker is never
// the maker.
import type { FastifyInstance } from 'fastify';
import { instructionRoutes as table } from '../../src-shared/routes/instructions';
import type { ServiceContext } from '../context';
import { requireSession } from '../http/guard';
import { registerRoutes } from '../http/routes';
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

export function instructionRoutes(ctx: ServiceContext) {
  return async (app: FastifyInstance) =>
    registerRoutes(app, table, {
      'instructions.preview': (request) => previewInstruction(ctx, requireSession(request), request.body, request.lang),
      'instructions.previewAgain': (request) =>
        previewInstruction(ctx, requireSession(request), request.body, request.lang, request.params.serial),
      'instructions.submit': async (request) =>
        instructionView(ctx, await submitInstruction(ctx, requireSession(request), request.body), request.lang, true),
      'instructions.counts': (request) => pendingCounts(ctx, requireSession(request)),
      'instructions.list': (request) => listInstructions(ctx, requireSession(request), request.query, request.lang),
      'instructions.get': (request) => instructionDetail(ctx, requireSession(request), request.params.id, request.lang),
      'instructions.decisionChallenge': (request) =>
        decisionChallenge(ctx, requireSession(request), request.params.id, request.body),
      'instructions.decision': async (request) =>
        instructionView(
          ctx,
          await decideInstruction(ctx, requireSession(request), request.params.id, request.body),
          request.lang,
          true,
        ),
    });
}
