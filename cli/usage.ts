// What `kitsune --help` and `kitsune <command> --help` print, and the short
// usage shown on stderr after a usage error.

export const COMMANDS = ['build', 'run', 'update', 'dev', 'inspect', 'assets', 'demo'] as const;
export type Command = (typeof COMMANDS)[number];

const SYNOPSIS: Record<Command, string> = {
  build: 'kitsune build SRC.c... -o OUT.wasm [--from PREV.wasm] [--xf SPEC.xf] [-I DIR] [-D NAME[=V]] [-O0..-O3|-Os|-Oz] [--name NAME] [--strict]',
  run: 'kitsune run [--control PATH] [-b FILE] [--stack-size BYTES] [--dir DIR]... [--net[=HOST:PORT,...]] APP.wasm [ARGS...]',
  update: 'kitsune update [--snapshot] [--timeout MS] TARGET NEXT.wasm',
  dev: 'kitsune dev SRC.c... [--xf SPEC.xf] [-I DIR] [-D NAME[=V]] [-O0..-O3] [--strict] [--dir DIR]... [--net[=HOST:PORT,...]] [-- ARGS...]',
  inspect: 'kitsune inspect [--json] APP.wasm\n       kitsune inspect --diff [--json] OLD.wasm NEW.wasm',
  assets: 'kitsune assets [--no-clang] DIR',
  demo: 'kitsune demo',
};

const DETAILS: Record<Command, string> = {
  build: `Compiles one version of a C program to one .wasm: a position-independent
side module with Asyncify on the update path and a \`kitsune\` section.

  -o OUT.wasm        where to write the version (required)
  --from PREV.wasm   the version this one updates: plans how its state moves
                     here and generates the migration for changed types
  --xf SPEC.xf       rules for what the types cannot say (needs --from)
  -I DIR, -D NAME[=V]  include directory, macro definition (repeatable)
  -O0..-O3, -Os, -Oz optimisation level (default -O2)
  --name NAME        the program's name (default: from OUT, without vN)
  --strict           keep as errors what clang 16+ made errors of legacy C (implicit int,
                     implicit declarations, int/pointer conversions...); by default they are warnings`,
  run: `Runs a version, sandboxed, and listens for \`kitsune update\`. Options go
before APP.wasm; everything after it goes to the program.

  --control PATH     the control socket (default: one derived from the pid)
  -b FILE            append each update's outcome and timings as a JSON line
  --stack-size BYTES each version's stack (default 1048576)
  --dir DIR          let the program open files under DIR (repeatable)
  --net              let it use any network address
  --net=HOST:PORT,...  only these addresses (e.g. 127.0.0.1:11311,[::1]:8080)`,
  update: `Asks a running \`kitsune run\` to update to NEXT.wasm, waits, and prints the
outcome. Exits 0 only when the update committed.

  TARGET             the runner's pid, or its --control path
  --snapshot         copy the memory first and restore it on rollback
  --timeout MS       give up when no update point is reached in MS ms`,
  dev: `Builds and runs the program, then rebuilds it on every save (--from the
running version, with a warm compiler) and updates it live. A build error
or a failed update is shown and the program keeps running. Takes build's
options, run's --dir and --net, and the program's arguments after --.`,
  inspect: `Prints a version's metadata: program, build id, update points, variables
with their keys, types and sizes.

  --json             all of it, as JSON
  --diff OLD NEW     the migration plan between two versions`,
  assets: `Copies the files the package loads at run time into DIR, for a bundled
web page to serve: runtime.wasm, kitsune.h, kitsune_xf.h, include/ and
clang/ (the compiler's files, about 105 MB). Pass DIR's URL as the
\`assets\` option of KitsuneProcess.start and build.

  --no-clang         leave the compiler out (a page that only runs versions)`,
  demo: `Builds the heap demo's two versions in a temporary folder, runs v1, and
updates it live to v2 once it holds 100,000 heap objects.`,
};

export const OVERVIEW = `kitsune: dynamic software updating for C on WebAssembly

${COMMANDS.map((c) => `  ${SYNOPSIS[c].replace(/\n       /g, '\n  ')}`).join('\n')}

  kitsune --version        kitsune --help        kitsune COMMAND --help`;

export const isCommand = (c: string | undefined): c is Command => (COMMANDS as readonly string[]).includes(c ?? '');

/** The full help of one command (stdout, for --help). */
export function commandHelp(c: Command): string {
  return `usage: ${SYNOPSIS[c]}\n\n${DETAILS[c]}\n`;
}

/** The short usage printed after a usage error (stderr). */
export function shortUsage(c: Command | undefined): string {
  return c ? `usage: ${SYNOPSIS[c]}\nrun \`kitsune ${c} --help\` for more` : OVERVIEW;
}

/** `-h`/`--help` among a command's own options: before `--`, and for run before the module. */
export function wantsHelp(c: Command, args: string[]): boolean {
  for (const a of args) {
    if (a === '--' || (c === 'run' && a.endsWith('.wasm'))) return false;
    if (a === '-h' || a === '--help') return true;
  }
  return false;
}
