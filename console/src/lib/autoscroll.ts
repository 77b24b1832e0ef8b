/** What a scrolling element reports (`scrollTop`, `scrollHeight`, `clientHeight`). */
export interface ScrollMetrics {
  scrollTop: number;
  scrollHeight: number;
  clientHeight: number;
}

/** True when the view shows the end of its content (within `slackPx`). */
export function isAtBottom(m: ScrollMetrics, slackPx = 24): boolean {
  return m.scrollHeight - m.clientHeight - m.scrollTop <= slackPx;
}

/**
 * Follow-the-end scrolling for a live log: it follows new content until the
 * reader scrolls up, then stays put (counting what arrived meanwhile) until
 * the reader scrolls back to the end or asks to jump there.
 */
export class AutoScroll {
  private following = true;
  private unseen = 0;

  /** True while new content should scroll into view. */
  get paused(): boolean {
    return !this.following;
  }

  /** Lines that arrived while paused. */
  get unseenCount(): number {
    return this.unseen;
  }

  /** Call on every scroll event. A programmatic scroll to the end keeps following. */
  onScroll(m: ScrollMetrics): void {
    if (isAtBottom(m)) {
      this.following = true;
      this.unseen = 0;
    } else {
      this.following = false;
    }
  }

  /** Call when content was added; returns true when the view should scroll to the end now. */
  onContent(added = 1): boolean {
    if (this.following) return true;
    this.unseen += added;
    return false;
  }

  /** The reader asked to jump to the latest line. */
  resume(): void {
    this.following = true;
    this.unseen = 0;
  }
}
