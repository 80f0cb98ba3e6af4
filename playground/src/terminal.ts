// The program's terminal: xterm.js, with the line discipline a kernel would
// give it. While the program keeps its terminal cooked (ICANON and ECHO on),
// typed keys are echoed and edited here and a whole line goes to its stdin on
// Enter; once it turns them off (raw mode: a game, an editor), every key goes
// to it as typed and it draws the screen itself. Ctrl-C is SIGINT while ISIG
// is on.
import { Terminal } from '@xterm/xterm';
import { FitAddon } from '@xterm/addon-fit';

export interface TerminalTarget {
  writeStdin(bytes: Uint8Array | string): void;
  closeStdin(): void;
  signal(sig: string): void;
  readonly terminalMode: { raw: boolean; isig: boolean };
}

export class TerminalPane {
  readonly term: Terminal;
  private readonly fit = new FitAddon();
  private target: TerminalTarget | undefined;
  private line = '';
  private readonly decoder = new TextDecoder();

  constructor(parent: HTMLElement) {
    this.term = new Terminal({
      fontFamily: "ui-monospace, 'DejaVu Sans Mono', Menlo, Consolas, monospace",
      fontSize: 13, cursorBlink: true, convertEol: false, scrollback: 2000,
      theme: { background: '#14161c', foreground: '#e5e7eb', cursor: '#fb923c', selectionBackground: '#44403c' },
    });
    this.term.loadAddon(this.fit);
    this.term.open(parent);
    new ResizeObserver(() => { try { this.fit.fit(); } catch { /* hidden */ } }).observe(parent);
    this.term.onData((d) => this.input(d));
  }

  attach(target: TerminalTarget | undefined): void {
    this.target = target;
    this.line = '';
  }

  /** Program output. Cooked terminals turn "\n" into "\r\n" (OPOST, ONLCR); raw programs send their own. */
  write(bytes: Uint8Array): void {
    const text = this.decoder.decode(bytes, { stream: true });
    this.term.write(this.target?.terminalMode.raw ? text : text.replace(/\r?\n/g, '\r\n'));
  }

  /** A line of the playground's own (not the program's), dimmed. */
  note(text: string, colour = '90'): void {
    this.term.write(`\x1b[${colour}m${text.replace(/\n/g, '\r\n')}\x1b[0m\r\n`);
  }

  clear(): void { this.term.reset(); }
  focus(): void { this.term.focus(); }

  private input(data: string): void {
    const t = this.target;
    if (!t) return;
    const mode = t.terminalMode;
    if (mode.raw) {
      if (mode.isig && data.includes('\x03')) { t.signal('SIGINT'); data = data.replaceAll('\x03', ''); }
      if (data) t.writeStdin(data);
      return;
    }
    if (data.startsWith('\x1b')) return; // arrow keys and the like: no line editing beyond backspace
    for (const ch of data) {
      if (ch === '\r' || ch === '\n') {
        this.term.write('\r\n');
        t.writeStdin(this.line + '\n');
        this.line = '';
      } else if (ch === '\x7f' || ch === '\b') {
        if (this.line) { this.line = [...this.line].slice(0, -1).join(''); this.term.write('\b \b'); }
      } else if (ch === '\x03') {
        this.term.write('^C\r\n');
        this.line = '';
        if (mode.isig) t.signal('SIGINT');
      } else if (ch === '\x04') {
        if (this.line) { t.writeStdin(this.line); this.line = ''; } else t.closeStdin();
      } else if (ch === '\x15') {
        this.term.write('\b \b'.repeat([...this.line].length));
        this.line = '';
      } else if (ch >= ' ' || ch === '\t') {
        this.line += ch;
        this.term.write(ch);
      }
    }
  }
}
