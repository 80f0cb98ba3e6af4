// `node dist/bench/kv-load.js PORT CONNECTIONS SECONDS`: the kv bench's
// clients in a process of their own (bench/kv.ts loadApart); prints what
// they saw as JSON.
import { load } from './kv-client.js';

const [port, connections, seconds] = process.argv.slice(2).map(Number);
if (!port || !connections || !seconds) {
  console.error('usage: kv-load.js PORT CONNECTIONS SECONDS');
  process.exit(2);
}
load(port, connections, seconds).then((r) => console.log(JSON.stringify(r)), (e: unknown) => {
  console.error(`kv-load: ${e instanceof Error ? e.message : String(e)}`);
  process.exit(1);
});
