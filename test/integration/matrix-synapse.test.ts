import { createMatrixAdapter } from '../../platforms/matrix/adapter';
import { commentRequest, MediaHost, PNG_1X1, publishRequest, runDelivery } from '../contracts/run-delivery';
import { type MatrixLogin, type RunningSynapse, startSynapse } from '../helpers/synapse';

/** First run installs Synapse from PyPI into .tools (a minute or so); later runs start in seconds. */
const SETUP_TIMEOUT_MS = 10 * 60_000;

/**
 * The Matrix adapter against a real homeserver (Synapse): text and an image published to a room
 * (named by its alias), read back, published again under the same transaction ids (no new
 * events), found by reconcile, replied to with the first comment, the token refreshed, the post
 * redacted.
 */
describe('matrix adapter on a real Synapse', () => {
  let synapse: RunningSynapse;
  let login: MatrixLogin;
  let roomId: string;
  const host = new MediaHost();
  // Synapse listens on loopback over plain http, which the SSRF guard refuses by default.
  const adapter = createMatrixAdapter({ outbound: { allowPrivate: true }, timeoutMs: 15_000 });

  const api = async (method: string, path: string, body?: unknown, token = login.access_token) => {
    const response = await fetch(`${synapse.url}${path}`, {
      method,
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
    });
    const text = await response.text();
    if (!response.ok) throw new Error(`${method} ${path}: ${response.status} ${text}`);
    return text ? JSON.parse(text) : {};
  };
  const event = (id: string) =>
    api('GET', `/_matrix/client/v3/rooms/${encodeURIComponent(roomId)}/event/${encodeURIComponent(id)}`);
  const roomMessages = async () =>
    (
      await api('GET', `/_matrix/client/v3/rooms/${encodeURIComponent(roomId)}/messages?dir=b&limit=100`)
    ).chunk.filter((e: { type: string }) => e.type === 'm.room.message');

  beforeAll(async () => {
    synapse = await startSynapse();
    await host.start();
    login = await synapse.user('postflow');
    roomId = (
      await api('POST', '/_matrix/client/v3/createRoom', {
        room_alias_name: 'postflow',
        preset: 'public_chat',
      })
    ).room_id;
  }, SETUP_TIMEOUT_MS);
  afterAll(async () => {
    await synapse?.stop();
    await host.stop();
  });

  test('publishes text and an image once, comments, refreshes its token and redacts the post', async () => {
    const account = {
      id: 'acc_synapse',
      platform: 'matrix',
      name: 'Synapse',
      credentials: {
        homeserver_url: synapse.url,
        access_token: login.access_token,
        refresh_token: login.refresh_token,
        expires_at: new Date(Date.now() + login.expires_in_ms).toISOString(),
        room_id: `#postflow:${synapse.serverName}`,
      },
    };
    const media = host.serve([{ contentType: 'image/png', bytes: PNG_1X1 }]);
    const req = publishRequest(
      account,
      { text: 'Hello from Postflow 🌱', media: media.map((m) => m.ref) },
      { formatted_body: 'Hello from <b>Postflow</b> 🌱' },
      media,
    );

    const receipt = await runDelivery(adapter, req);
    const [imageId, textId] = receipt.platformPostId.split(',');
    expect(receipt.metadata).toMatchObject({
      room_id: roomId,
      text_event_id: textId,
      media_event_ids: [imageId],
    });
    expect(receipt.permalink).toBe(
      `https://matrix.to/#/${encodeURIComponent(roomId)}/${encodeURIComponent(textId!)}?via=${synapse.serverName}`,
    );

    // Read back: the image event points at the uploaded file, which Synapse serves byte for byte.
    const image = await event(imageId!);
    expect(image).toMatchObject({
      sender: login.user_id,
      content: { msgtype: 'm.image', info: { mimetype: 'image/png' } },
    });
    const [server, mediaId] = String(image.content.url).replace('mxc://', '').split('/');
    const file = await fetch(`${synapse.url}/_matrix/client/v1/media/download/${server}/${mediaId}`, {
      headers: { authorization: `Bearer ${login.access_token}` },
    });
    expect(Buffer.from(await file.arrayBuffer()).equals(PNG_1X1)).toBe(true);
    expect(await event(textId!)).toMatchObject({
      content: {
        msgtype: 'm.text',
        body: 'Hello from Postflow 🌱',
        format: 'org.matrix.custom.html',
        formatted_body: 'Hello from <b>Postflow</b> 🌱',
      },
    });

    // The same delivery again: Synapse answers each transaction id with the event it made.
    const count = (await roomMessages()).length;
    expect((await runDelivery(adapter, req)).platformPostId).toBe(receipt.platformPostId);
    expect(await roomMessages()).toHaveLength(count);
    expect((await adapter.findExisting!({ ...req, media: [] }))?.platformPostId).toBe(receipt.platformPostId);

    // The first comment: a reply to the text event, found again by its transaction id.
    const first = commentRequest(req, receipt, 'And a first comment');
    const comment = await adapter.comment!(first);
    expect(await event(comment.commentId)).toMatchObject({
      content: { body: 'And a first comment', 'm.relates_to': { 'm.in_reply_to': { event_id: textId } } },
    });
    expect(await adapter.comment!(first)).toEqual(comment);
    expect((await adapter.findComment!(first))?.commentId).toBe(comment.commentId);

    // A refresh keeps the device: the new token still sees its transaction ids.
    const fresh = await adapter.refresh!(account);
    expect(fresh.access_token).not.toBe(login.access_token);
    const refreshed = { ...account, credentials: { ...account.credentials, ...fresh } };
    login.access_token = fresh.access_token!; // Synapse may retire the old token once the new one is used
    expect((await adapter.findExisting!({ ...req, account: refreshed, media: [] }))?.platformPostId).toBe(
      receipt.platformPostId,
    );

    // Metrics: a reaction (an m.annotation) and a message in the thread on the text event, as
    // Synapse aggregates them; the post redacted reads as gone.
    const at = `/_matrix/client/v3/rooms/${encodeURIComponent(roomId)}/send`;
    await api('PUT', `${at}/m.reaction/react-1`, {
      'm.relates_to': { rel_type: 'm.annotation', event_id: textId, key: '👍' },
    });
    await api('PUT', `${at}/m.room.message/thread-1`, {
      msgtype: 'm.text',
      body: 'In the thread',
      'm.relates_to': { rel_type: 'm.thread', event_id: textId, is_falling_back: true },
    });
    const metrics = { account: refreshed, post: receipt, signal: new AbortController().signal };
    expect(await adapter.fetchMetrics!(metrics)).toEqual({
      likes: 1,
      comments: 1,
      shares: 0,
      saves: 0,
      extra: {},
    });

    const del = {
      account: refreshed,
      platformPostId: receipt.platformPostId,
      signal: new AbortController().signal,
    };
    expect(await adapter.unpublish!(del)).toBe('deleted');
    for (const id of [imageId!, textId!]) {
      const gone = await event(id);
      expect(gone.content).toEqual({});
      expect(gone.unsigned.redacted_because).toBeDefined();
    }
    expect(await adapter.fetchMetrics!(metrics)).toBeNull();
    expect(await adapter.unpublish!(del)).toBe('deleted');
  });
});
