import type { DeliveryReceipt } from '../../api/types';
import type { PublishRequest } from '../kit/adapter';
import { altTextAt } from '../kit/content';
import { type PlatformBody, rejected } from '../kit/http';
import { DISCORD_MAX_UPLOAD_BYTES } from './descriptor';

/** What both modes send alike: a message's payload and files, its receipt, its post id. */

export const PLATFORM = 'discord';
export const API = '/api/v10';

/** Message flags (discord.com/developers/docs/resources/message#message-object-message-flags). */
const SUPPRESS_EMBEDS = 1 << 2;
const SUPPRESS_NOTIFICATIONS = 1 << 12;

/** File extensions Discord shows inline (it decides by the file name). */
const EXTENSIONS: Readonly<Record<string, string>> = {
  'image/png': 'png',
  'image/jpeg': 'jpg',
  'image/gif': 'gif',
  'image/webp': 'webp',
  'video/mp4': 'mp4',
  'video/quicktime': 'mov',
  'video/webm': 'webm',
};

/** The payload fields both Execute Webhook and Create Message take: content, embeds, mentions, flags. */
export function messagePayload(req: PublishRequest): Record<string, unknown> {
  const o = req.target.options;
  const flags =
    (o.suppress_embeds === true ? SUPPRESS_EMBEDS : 0) | (o.silent === true ? SUPPRESS_NOTIFICATIONS : 0);
  return {
    content: req.content.text,
    ...(Array.isArray(o.embeds) ? { embeds: o.embeds } : {}),
    ...(o.allowed_mentions !== undefined ? { allowed_mentions: o.allowed_mentions } : {}),
    ...(flags ? { flags } : {}),
  };
}

/** The message as multipart: `payload_json` and `files[n]`, each file described in `attachments`. */
export async function withFiles(req: PublishRequest, payload: Record<string, unknown>): Promise<FormData> {
  const files = await Promise.all(req.media.map((file) => file.load()));
  const total = files.reduce((sum, f) => sum + f.bytes.length, 0);
  if (total > DISCORD_MAX_UPLOAD_BYTES) {
    throw rejected(
      PLATFORM,
      'too_large',
      `the files are ${total} bytes together; a Discord message takes at most 10 MiB. Send fewer or smaller files.`,
    );
  }
  const names = files.map((f, i) => `media-${i + 1}.${EXTENSIONS[f.contentType] ?? 'bin'}`);
  const attachments = names.map((filename, i) => {
    const description = altTextAt(req.target.options, i);
    return { id: i, filename, ...(description ? { description } : {}) };
  });
  const form = new FormData();
  form.set('payload_json', JSON.stringify({ ...payload, attachments }));
  files.forEach((f, i) => form.set(`files[${i}]`, new Blob([f.bytes], { type: f.contentType }), names[i]));
  return form;
}

/** Discord's message link; the server's id is needed (empty where it is unknown). */
const messageLink = (guild: string, channel: string, id: string) =>
  guild ? `https://discord.com/channels/${guild}/${channel}/${id}` : '';

/**
 * A message in a thread is deleted with the thread's id, so its post id carries it:
 * `<thread id>/<message id>`; elsewhere the message id alone.
 */
export function receiptOf(message: PlatformBody, guild: string, inThread: boolean): DeliveryReceipt {
  const id = String(message.id);
  const channel = String(message.channel_id);
  return {
    platformPostId: inThread ? `${channel}/${id}` : id,
    permalink: messageLink(guild, channel, id),
    publishedAt: new Date(String(message.timestamp ?? Date.now())).toISOString(),
  };
}

export function postIdParts(postId: string): { thread?: string; message: string } {
  const [first, second] = postId.split('/');
  return second ? { thread: first!, message: second } : { message: first! };
}

/** A message (or its thread) already gone: deleting it again is done. */
export const isGone = (err: unknown) => {
  const { status, discordCode } = err as { status?: number; discordCode?: number };
  return status === 404 && (discordCode === 10008 || discordCode === 10003);
};
