/**
 * What the Instagram and Threads fakes share about containers and the account's list, as Meta
 * documents them: a container is IN_PROGRESS while its media is processed, FINISHED when ready,
 * EXPIRED when not published within its lifetime (24 h), and the publish call turns a FINISHED
 * one PUBLISHED. And what real platforms do that tests must survive: a just-published post is
 * listed late, and a container may still read IN_PROGRESS for a while after the publish call.
 */
export type ContainerStatus = 'IN_PROGRESS' | 'FINISHED' | 'PUBLISHED' | 'EXPIRED' | 'ERROR';

export interface ContainerLife {
  status: ContainerStatus;
  createdAt: number;
  /** Status reads left before IN_PROGRESS turns FINISHED (media processing) or PUBLISHED. */
  pollsLeft: number;
  /** Set by the publish call: the IN_PROGRESS being counted down is the publishing. */
  publishing?: boolean;
  /** Epoch ms before which the media is still processing, however often it is read (a fake set to take time). */
  readyAt?: number;
}

/** Meta's container lifetime: unpublished for 24 hours, it expires. */
const CONTAINER_TTL_MS = 24 * 3_600_000;

export class ContainerRules {
  /** How long an unpublished container lives (tests shorten it to see EXPIRED). */
  ttlMs = CONTAINER_TTL_MS;
  /** Status reads after the publish call that still see IN_PROGRESS (0: PUBLISHED at once). */
  publishingReads = 0;
  /** List reads a just-published post stays unlisted for (0: listed at once). */
  listLagReads = 0;
  private readonly unlisted = new Map<string, number>();

  /** The status as a read sees it now; a read also advances what is in progress. */
  read(c: ContainerLife): ContainerStatus {
    if (c.status === 'IN_PROGRESS') {
      if (!c.publishing && c.readyAt !== undefined && Date.now() < c.readyAt) return 'IN_PROGRESS';
      if (c.pollsLeft > 0) c.pollsLeft -= 1;
      else c.status = c.publishing ? 'PUBLISHED' : 'FINISHED';
      return c.publishing ? 'IN_PROGRESS' : c.status;
    }
    return this.current(c);
  }

  /** The status without advancing it (the publish call's own check). */
  current(c: ContainerLife): ContainerStatus {
    if (c.status === 'FINISHED' && Date.now() - c.createdAt >= this.ttlMs) c.status = 'EXPIRED';
    return c.status;
  }

  /** The publish call consumed the container; `postId` is what it made. */
  published(c: ContainerLife, postId: string): void {
    if (this.publishingReads > 0) {
      c.status = 'IN_PROGRESS';
      c.publishing = true;
      c.pollsLeft = this.publishingReads - 1;
    } else c.status = 'PUBLISHED';
    if (this.listLagReads > 0) this.unlisted.set(postId, this.listLagReads);
  }

  /** Whether a list read shows the post yet; each read that hides it brings it closer. */
  listed(postId: string): boolean {
    const left = this.unlisted.get(postId);
    if (left === undefined) return true;
    if (left <= 1) this.unlisted.delete(postId);
    else this.unlisted.set(postId, left - 1);
    return false;
  }

  /** Back to the platform's defaults (between tests). */
  reset(): void {
    this.ttlMs = CONTAINER_TTL_MS;
    this.publishingReads = 0;
    this.listLagReads = 0;
    this.unlisted.clear();
  }
}
