import { type MediaFile, PublishError, type PublishRequest, type UploadLedger } from '../../kit/adapter';
import type { PlatformBody } from '../../kit/http';
import type { GraphCall, GraphParams } from '../graph';
import type { RuploadTransfer } from './rupload';

/**
 * What the prepare's ledger keeps of one video going to its resumable container (sealed in
 * Postflow's store: the `uri` is where the bytes go, so it stays out of history and logs). Kept
 * before the first chunk, and `acknowledged` moved on after each chunk rupload answers: Meta
 * documents no way to ask rupload what it holds, so this record is how a retry knows.
 */
interface KeptContainer {
  /** The prepare's file it is for (its index in the post's media) and that file's size. */
  file: number;
  size: number;
  container: string;
  uri: string;
  /** Bytes from 0 rupload answered for: the next chunk starts here. */
  acknowledged: number;
}

/** A prepare's ledger and which of its files this video is. */
export interface ContainerResume {
  ledger: UploadLedger;
  file: number;
}

/** The parts of the Instagram adapter a resumable container needs. */
export interface ResumableContainerSteps {
  /** Makes the container (`upload_type=resumable`): its answer carries `id` and `uri`. */
  create(api: GraphCall, req: PublishRequest, params: GraphParams): Promise<PlatformBody>;
  /** Whether a container is still being made (IN_PROGRESS); throws if it is gone, expired or failed. */
  pending(api: GraphCall, id: string): Promise<boolean>;
  /** Sends the file to the container's `uri` from a given byte (rupload.ts). */
  send(req: PublishRequest, transfer: RuploadTransfer): Promise<void>;
}

/**
 * One video into a container made with `upload_type=resumable`; answers the container's id.
 *
 * With `resume`, a container an earlier attempt of the prepare kept for this file goes on from the
 * bytes it recorded as answered: the chunk in flight when that attempt died is sent again from its
 * own offset, which rupload takes in its place (the `offset` header places the bytes). Before that,
 * the container's status is read: one already FINISHED holds the whole file and is used as it is.
 * A kept container Meta no longer knows, or refuses (expired, failed) is forgotten and the file
 * sent again once, in a new container: nothing was published, the publish call is a separate step.
 * The record is forgotten once the bytes are in; the container is then polled as before.
 *
 * A record for a later file of a carousel (the earlier attempt died there) is left for that file:
 * this one goes without a record, so the later file still resumes.
 */
export function resumableContainer(steps: ResumableContainerSteps) {
  return async (
    api: GraphCall,
    req: PublishRequest,
    params: GraphParams,
    media: MediaFile,
    resume?: ContainerResume,
  ): Promise<string> => {
    const file = await media.open();
    const index = resume?.file ?? 0;
    const raw = await resume?.ledger.session();
    const ledger = resume && !forLaterFile(raw, index) ? resume.ledger : undefined;
    let kept = ledger && keptContainer(raw, index, file.size);
    for (let fresh = !kept; ; fresh = true) {
      try {
        if (kept && !fresh && !(await steps.pending(api, kept.container))) {
          await ledger?.forget();
          return kept.container;
        }
        if (!kept) {
          const made = await steps.create(api, req, params);
          const ours = {
            file: index,
            size: file.size,
            container: String(made.id),
            uri: String(made.uri ?? ''),
            acknowledged: 0,
          };
          kept = ledger ? await keepRecord(ledger, ours) : ours;
        }
        const upload: KeptContainer = kept;
        let record = upload;
        await steps.send(req, {
          uri: upload.uri,
          file,
          from: upload.acknowledged,
          progress: async (acknowledged) => {
            if (!ledger) return;
            record = { ...record, acknowledged };
            await ledger.update(JSON.stringify(record));
            ledger.progress(acknowledged, file.size);
          },
        });
        // Done: nothing is left to resume (a retry that finds nothing kept uploads anew, harmlessly).
        await ledger?.forget();
        return upload.container;
      } catch (err) {
        if (fresh || !ledger || !refused(err)) throw err;
        await ledger.forget();
        kept = undefined;
      }
    }
  };
}

/**
 * Keeps the record of a container just made, before any byte goes to it. Should an earlier
 * attempt racing this one have kept its own for this file, that one is used; a stale record for
 * another file is replaced.
 */
async function keepRecord(ledger: UploadLedger, ours: KeptContainer): Promise<KeptContainer> {
  const answered = await ledger.keep(JSON.stringify(ours));
  const theirs = keptContainer(answered, ours.file, ours.size);
  if (theirs) return theirs;
  await ledger.update(JSON.stringify(ours));
  return ours;
}

/** Meta does not know the kept container any more, or refuses it (expired, failed, its bytes refused). */
function refused(err: unknown): boolean {
  return (
    err instanceof PublishError &&
    (err.failure.category === 'validation' || err.failure.code.endsWith('.container_expired'))
  );
}

/** The record is for a file after this one: the attempt that kept it had finished this one. */
function forLaterFile(raw: string | undefined, file: number): boolean {
  const later = recordOf(raw)?.file;
  return typeof later === 'number' && later > file;
}

function recordOf(raw: string | undefined): Partial<KeptContainer> | undefined {
  if (!raw) return undefined;
  try {
    const record: unknown = JSON.parse(raw);
    return record && typeof record === 'object' ? (record as Partial<KeptContainer>) : undefined;
  } catch {
    return undefined;
  }
}

/** The kept container, if the record is one for this file and size. */
function keptContainer(raw: string | undefined, file: number, size: number): KeptContainer | undefined {
  const kept = recordOf(raw);
  return kept?.file === file &&
    kept.size === size &&
    typeof kept.container === 'string' &&
    typeof kept.uri === 'string' &&
    Number.isSafeInteger(kept.acknowledged)
    ? (kept as KeptContainer)
    : undefined;
}
