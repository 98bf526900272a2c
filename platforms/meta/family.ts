import type {
  AccountContext,
  AdapterOptions,
  PlatformAdapter,
  Prepared,
  PublishRequest,
  StepState,
} from '../kit/adapter';
import { stringList } from '../kit/content';
import { containerReuse, readyContainer } from './container-reconcile';
import {
  assertMetaTokenFresh,
  type ContainerFields,
  type GraphCall,
  graphClient,
  type GraphParams,
  type GraphSettings,
  liveMetaReceipt,
  META_RENEW_WINDOW_MS,
  type MetaErrorRow,
  pendingContainers,
  receiptOrPoll,
  refreshLongLivedToken,
} from './graph';

/** What sets one Meta platform apart on the Graph API. */
export interface MetaPlatform {
  platform: string;
  /** The official Graph host, unless `POSTFLOW_<PLATFORM>_API_URL` names another. */
  officialHost: string;
  /** The API version path segment (`v25.0`; Threads `v1.0`). */
  version: string;
  /** Whether a 190 may be cured by refreshing the token (long-lived user tokens) or not (Page tokens). */
  refreshes: boolean;
  /** The platform's own error rows, checked before the family's. */
  errors?: readonly MetaErrorRow[];
}

/** The settings and Graph client every Meta adapter starts from. */
export function metaGraph(spec: MetaPlatform, options: AdapterOptions) {
  const settings: GraphSettings = {
    platform: spec.platform,
    baseUrl: options.baseUrl || spec.officialHost,
    version: spec.version,
    ...(options.timeoutMs ? { timeoutMs: options.timeoutMs } : {}),
    refreshes: spec.refreshes,
    ...(spec.errors ? { errors: spec.errors } : {}),
  };
  return { settings, client: graphClient(settings) };
}

/** A platform that publishes through media containers (Instagram, Threads). */
export interface ContainerPlatform extends MetaPlatform {
  /** The user edge containers are made at (`media`, `threads`) and the one that publishes them. */
  containerEdge: string;
  publishEdge: string;
  /**
   * The step state's key for the item containers (`children`, `items`). Kept per platform:
   * deliveries in flight carry their state under it.
   */
  itemsKey: string;
  /** The container's status fields. */
  container: ContainerFields;
  /** The published post's permalink and time fields. */
  postFields: { permalink: string; time: string };
  containerPollMs: number;
  /** The permalink of a just-published post, when its first lookup failed. */
  receiptPollMs: number;
  /**
   * The `grant_type` of Meta's long-lived-token refresh; none for tokens Meta issues no refresh
   * for (Instagram through Facebook Login: Page tokens do not expire, a 190 means reconnect).
   */
  refreshGrant?: string;
  /** `/{user}`: the account's path on the Graph API. */
  userPath(req: Pick<PublishRequest, 'account'>): string;
  /** What belongs on the published container: the single item's or the carousel's. */
  postParams(req: PublishRequest): GraphParams;
}

/**
 * The container flow Instagram and Threads share: create a container per item, poll until all
 * are FINISHED, make the CAROUSEL container over several, publish it; long-lived tokens renewed
 * in their last week (where the platform has a `refreshGrant`). The adapter adds its own
 * `prepare` (what its items are), reconcile and delete.
 */
export function containerSteps(spec: ContainerPlatform, options: AdapterOptions) {
  const { settings, client } = metaGraph(spec, options);
  const grant = spec.refreshGrant;

  /** Stops a call with a token due for renewal; without a refresh flow no token is ever "due". */
  const fresh = (req: Pick<PublishRequest, 'account'>) => {
    if (grant) assertMetaTokenFresh(spec.platform, req.account.credentials);
  };

  /** Creates one container; carousel items carry no post parameters (nor does a reply's). */
  const container = async (api: GraphCall, req: Pick<PublishRequest, 'account'>, params: GraphParams) =>
    String((await api('POST', `${spec.userPath(req)}/${spec.containerEdge}`, params)).id);

  /** Polls what is pending; once the items are ready, makes the carousel container over them. */
  const advance = async (req: PublishRequest, state: StepState): Promise<Prepared> => {
    const api = client(req);
    const pending = await pendingContainers(spec.platform, api, stringList(state.pending), spec.container);
    if (pending.length) return { processing: { ...state, pending }, pollAfterMs: spec.containerPollMs };
    if (state.parent) return readyContainer(String(state.parent));
    const items = stringList(state[spec.itemsKey]);
    if (items.length === 1) return readyContainer(items[0]!);
    const parent = await container(api, req, {
      media_type: 'CAROUSEL',
      children: items.join(','),
      ...spec.postParams(req),
    });
    return advance(req, { [spec.itemsKey]: items, parent, pending: [parent] });
  };

  /** Refresh and its renewal window, only for tokens Meta refreshes. */
  const renewal = grant
    ? {
        renewWindowMs: META_RENEW_WINDOW_MS,
        refresh: (account: AccountContext) => refreshLongLivedToken(settings, grant, account),
      }
    : {};

  const steps = {
    ...renewal,

    checkPrepared: advance,

    async reusable(req, prepared) {
      return containerReuse(client(req), prepared, spec.container);
    },

    async publish(req, prepared) {
      fresh(req);
      const body = await client(req, true)('POST', `${spec.userPath(req)}/${spec.publishEdge}`, {
        creation_id: String(prepared.container),
      });
      return receiptOrPoll(client(req), String(body.id), spec.postFields, spec.receiptPollMs);
    },

    async checkPublished(req, state) {
      return liveMetaReceipt(spec.platform, client(req), state, spec.postFields);
    },
  } satisfies Partial<PlatformAdapter>;

  /** Starts the flow over the item containers `prepare` made. */
  const begin = (req: PublishRequest, items: string[]) =>
    advance(req, { [spec.itemsKey]: items, pending: items });

  return { client, container, begin, steps, fresh };
}
