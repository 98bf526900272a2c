import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import {
  boardListSchema,
  boardSchema,
  createBoardSchema,
  creatorInfoSchema,
  limitsSchema,
  updateBoardSchema,
} from '../../api/account-helpers';
import type { PostflowClient } from '../../client';
import { scope } from '../auth';
import { answer, AUTH_ERRORS, failure, noContent, pathParams } from '../openapi/route-schemas';

const params = pathParams('id');
/** What every helper may answer besides its result (docs/api.md "Account helpers"). */
const HELPER_ERRORS = {
  ...AUTH_ERRORS,
  404: failure('No such account (account.not_found)'),
  429: failure("The platform's rate limit (platform.<name>.rate_limit)"),
  502: failure('The platform failed (platform.<name>.api_error)'),
  503: failure('No worker answered in time (system.unavailable)'),
};
const NOT_SUPPORTED = (what: string) =>
  failure(`The account's platform has no ${what} (resource.not_supported)`);

const boards = {
  summary: "List a Pinterest account's boards (from Pinterest, cached a minute)",
  params,
  response: { 200: answer(boardListSchema, 'Boards'), ...HELPER_ERRORS, 501: NOT_SUPPORTED('boards') },
};
const createBoard = {
  summary: 'Create a board on a Pinterest account',
  params,
  parsedByHandler: { body: createBoardSchema },
  response: {
    201: answer(boardSchema, 'Created'),
    400: failure('Invalid body, or Pinterest refused the board (platform.pinterest.*)'),
    ...HELPER_ERRORS,
    501: NOT_SUPPORTED('boards'),
  },
};
const boardParams = pathParams('id', 'boardId');
const BOARD_ERRORS = {
  ...HELPER_ERRORS,
  404: failure('No such account (account.not_found), or no such board on it (resource.not_found)'),
  501: NOT_SUPPORTED('boards'),
};
const board = {
  summary: "One of a Pinterest account's boards (from Pinterest, cached a minute)",
  params: boardParams,
  response: { 200: answer(boardSchema, 'Board'), ...BOARD_ERRORS },
};
const updateBoard = {
  summary: "Change a Pinterest board's name, description or privacy (PUBLIC or SECRET)",
  params: boardParams,
  parsedByHandler: { body: updateBoardSchema },
  response: {
    200: answer(boardSchema, 'The board as it is now'),
    400: failure('Invalid body, or Pinterest refused the change (platform.pinterest.*)'),
    ...BOARD_ERRORS,
    403: failure(
      'The key lacks the scope (auth.insufficient_scope), or the board is not yours to change (a group board shared with the account: platform.pinterest.forbidden)',
    ),
  },
};
const deleteBoard = {
  summary: 'Delete a Pinterest board (its Pins go with it)',
  params: boardParams,
  response: {
    204: noContent('Deleted'),
    ...BOARD_ERRORS,
    403: failure(
      'The key lacks the scope (auth.insufficient_scope), or the board is not yours to delete (platform.pinterest.forbidden)',
    ),
  },
};
const creatorInfo = {
  summary:
    "A TikTok creator's posting settings: privacy levels, longest video, interactions turned off (cached ten minutes)",
  params,
  response: {
    200: answer(creatorInfoSchema, 'Creator info'),
    ...HELPER_ERRORS,
    501: NOT_SUPPORTED('creator info'),
  },
};
const limits = {
  summary: "The account's remaining platform quota ({} where the platform reports none)",
  params,
  response: { 200: answer(limitsSchema, 'Remaining counts by key'), ...HELPER_ERRORS },
};

/** The account helpers (contract §4 "Extras"): asked of the account's platform through a worker. */
export function accountHelperRoutes(fastify: FastifyInstance, client: PostflowClient): void {
  const app = fastify.withTypeProvider<ZodTypeProvider>();
  const accounts = (userId: string) => client.forUser(userId).accounts;

  app.get('/v1/accounts/:id/boards', { ...scope('accounts:read'), schema: boards }, async (request) =>
    accounts(request.userId).boards(request.params.id),
  );

  app.post(
    '/v1/accounts/:id/boards',
    { ...scope('accounts:manage'), schema: createBoard },
    async (request, reply) =>
      reply.status(201).send(await accounts(request.userId).createBoard(request.params.id, request.body)),
  );

  app.get('/v1/accounts/:id/boards/:boardId', { ...scope('accounts:read'), schema: board }, async (request) =>
    accounts(request.userId).board(request.params.id, request.params.boardId),
  );

  app.patch(
    '/v1/accounts/:id/boards/:boardId',
    { ...scope('accounts:manage'), schema: updateBoard },
    async (request) =>
      accounts(request.userId).updateBoard(request.params.id, request.params.boardId, request.body),
  );

  app.delete(
    '/v1/accounts/:id/boards/:boardId',
    { ...scope('accounts:manage'), schema: deleteBoard },
    async (request, reply) => {
      await accounts(request.userId).deleteBoard(request.params.id, request.params.boardId);
      return reply.status(204).send(undefined);
    },
  );

  app.get(
    '/v1/accounts/:id/creator-info',
    { ...scope('accounts:read'), schema: creatorInfo },
    async (request) => accounts(request.userId).creatorInfo(request.params.id),
  );

  app.get('/v1/accounts/:id/limits', { ...scope('accounts:read'), schema: limits }, async (request) =>
    accounts(request.userId).limits(request.params.id),
  );
}
