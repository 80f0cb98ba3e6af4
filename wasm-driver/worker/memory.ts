// The program's memory as the worker's host functions use it: fresh views on
// every call (memory.grow replaces the buffer), C strings, errno, and the
// runtime's allocator once the runtime exists.
import type { RuntimeExports } from './runtime.js';

const enc = new TextEncoder();
const dec = new TextDecoder();

export class ProgramMemory {
  private runtime: RuntimeExports | undefined;
  constructor(readonly memory: WebAssembly.Memory) {}

  get dv(): DataView { return new DataView(this.memory.buffer); }
  get u8(): Uint8Array { return new Uint8Array(this.memory.buffer); }
  get i32(): Int32Array { return new Int32Array(this.memory.buffer); }

  /** The runtime's exports; set once it is instantiated. */
  get rt(): RuntimeExports {
    if (!this.runtime) throw new Error('the runtime is not instantiated yet');
    return this.runtime;
  }
  set rt(rt: RuntimeExports) { this.runtime = rt; }
  get hasRuntime(): boolean { return !!this.runtime; }

  cstring(p: number): string {
    const u8 = this.u8;
    const end = u8.indexOf(0, p);
    return dec.decode(u8.slice(p, end < 0 ? u8.length : end));
  }

  /** Bytes of `s` with its NUL, for writing into the program's memory. */
  static encode(s: string, nul = true): Uint8Array { return enc.encode(nul ? s + '\0' : s); }

  /** A copy of `s` in the runtime's heap (the program may free it). */
  strdup(s: string): number {
    const b = ProgramMemory.encode(s);
    const p = this.rt.malloc(b.length);
    if (p) this.u8.set(b, p);
    return p;
  }

  /** Sets errno and returns -1, as a failing libc call does. */
  fail(errno: number): number {
    if (this.runtime) this.dv.setInt32(this.runtime.errno.value as number, errno, true);
    return -1;
  }
}
