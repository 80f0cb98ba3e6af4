// runtime/kitsune.h, which every build mounts on its include path: read from
// the package in Node, fetched beside the package's files in a browser.
let header: Promise<string> | undefined;

export function kitsuneHeader(): Promise<string> {
  const url = new URL('../../runtime/kitsune.h', import.meta.url);
  header ??= typeof process !== 'undefined' && process.versions?.node
    ? import('node:fs/promises').then((fs) => fs.readFile(url, 'utf8'))
    : fetch(url).then((r) => r.text());
  return header;
}
