// The `__kitsune_state` word, shared by the program's code, its worker and the
// host thread: the one module that reads or writes it on the TS side. Its C
// side is runtime/kitsune.h (KITSUNE_STATE_*), checked against STATE_BITS by
// the runtime build.
//
//   host:   request()  sets REQUESTED        withdraw() clears it if unclaimed
//   worker: claim()    clears REQUESTED at an update point, taking the update
//           begin()    sets UPDATING while a new version runs before commit
//           end()      clears UPDATING at commit or rollback
//   host:   wantScan() sets SCAN now and then (every couple of seconds)
//   worker: at an update point with SCAN set, the reclaim scan runs if one is due (scanTaken clears it)
//   C:      kitsune_update() calls the update point only when the word is non-zero
export const STATE_BITS = { REQUESTED: 1, UPDATING: 2, SCAN: 4 } as const;

export class StateWord {
  private readonly index: number;
  constructor(private readonly memory: WebAssembly.Memory, address: number) { this.index = address >> 2; }

  // A fresh view each time: memory.grow replaces the buffer (a shared buffer
  // keeps its contents, but the old view does not see the growth).
  private get i32() { return new Int32Array(this.memory.buffer); }

  get value(): number { return Atomics.load(this.i32, this.index); }
  get requested(): boolean { return (this.value & STATE_BITS.REQUESTED) !== 0; }
  get updating(): boolean { return (this.value & STATE_BITS.UPDATING) !== 0; }

  /** Host: asks the program to stop at its next update point. */
  request(): void { Atomics.or(this.i32, this.index, STATE_BITS.REQUESTED); }

  /** Host or program: withdraws a request nobody has claimed yet; false if it was claimed first. */
  withdraw(): boolean {
    // Whoever clears the bit owns the request; the other bits may change meanwhile, so retry on them.
    for (;;) {
      const s = this.value;
      if (!(s & STATE_BITS.REQUESTED)) return false;
      if (Atomics.compareExchange(this.i32, this.index, s, s & ~STATE_BITS.REQUESTED) === s) return true;
    }
  }

  /** Worker, at an update point: takes the request; false if there is none or the host withdrew it meanwhile. */
  claim(): boolean { return this.withdraw(); }

  get scanWanted(): boolean { return (this.value & STATE_BITS.SCAN) !== 0; }
  /** Asks for the next update point, so that a reclaim scan due then can run (worker/reclaim.ts). */
  wantScan(): void { Atomics.or(this.i32, this.index, STATE_BITS.SCAN); }
  scanTaken(): void { Atomics.and(this.i32, this.index, ~STATE_BITS.SCAN); }

  begin(): void { Atomics.or(this.i32, this.index, STATE_BITS.UPDATING); }
  end(): void { Atomics.and(this.i32, this.index, ~STATE_BITS.UPDATING); }
}
