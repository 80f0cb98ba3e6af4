// What the page offers on `window.playground`, read-only, for tests and
// tutorials that drive it (../drive.ts): what a person would read off the
// screen, without scraping a canvas or a scrolled-away terminal.
export interface PlaygroundHook {
  /** The terminal's whole buffer, wrapped lines joined. */
  terminalText(): string;
  tabText(name: string): string;
  tabs(): string[];
  /** Every update of the running program: outcome, failed stage, timings (ms). */
  updates(): { outcome: string; stage?: string; timings: Record<string, number | undefined> }[];
}

declare global {
  interface Window { playground?: PlaygroundHook }
}
