// The unwind made visible: the frames Asyncify saved when the old version
// was unwound at its update point, and the new version's path back to the
// same point (its control migration), or where it failed.
import type { UpdateResult, WasmFrame } from './kitsune.js';

function stack(title: string, frames: WasmFrame[], kind: 'old' | 'new', failed: boolean): HTMLElement {
  const box = document.createElement('div');
  box.className = 'stack';
  box.dataset.stack = kind;
  box.insertAdjacentHTML('beforeend', `<h4>${title}</h4>`);
  if (!frames.length) box.insertAdjacentHTML('beforeend', '<div class="hint">no frames were recorded</div>');
  frames.forEach((f, i) => {
    // wasi-libc's name for a main(void); people wrote main.
    const name = f.function === '__original_main' ? 'main' : f.function;
    const d = document.createElement('div');
    d.className = `frame${f.own ? ' own' : ''}${i === 0 && !failed ? ' point' : ''}${i === 0 && failed ? ' failed' : ''}`;
    d.dataset.function = name;
    d.innerHTML = `<span class="off">${f.own ? 'program' : 'libc'} +0x${f.offset.toString(16)}</span>`;
    d.append(name);
    d.title = f.own ? 'a function of the program (Asyncify instruments it when it is on the update path)' : 'a function of the runtime (wasi-libc)';
    box.append(d);
  });
  return box;
}

export function renderUnwind(el: HTMLElement, r: UpdateResult | undefined, from: string, to: string): void {
  el.replaceChildren();
  if (!r?.trace) {
    el.innerHTML = '<div class="empty">After an update, this shows the stack the old version was unwound from at its update point, and the path the new version took back to it.</div>';
    return;
  }
  const t = r.trace;
  const failed = r.outcome !== 'committed';
  const intro = document.createElement('p');
  intro.className = 'hint';
  intro.textContent = `Update point "${r.point}". The old version (${from}) was running these calls, innermost first, when it reached the point: `
    + `Asyncify unwound them all, saving ${t.savedBytes} bytes of their locals, so that ${failed ? 'the rollback could rewind them exactly' : 'the old stack could be let go'}. `
    + (failed
      ? `The new version (${to}) failed before it got back: the right column is where it was.`
      : `The new version (${to}) started again at main with kitsune_is_updating() true and steered itself back to the same point through these calls (control migration): that is where the update committed.`);
  el.append(intro);
  const frames = document.createElement('div');
  frames.className = 'frames';
  const old = t.unwound.filter((f, i) => f.own || i < 3);
  frames.append(stack(`${from}: unwound at "${r.point}"`, old, 'old', false));
  frames.insertAdjacentHTML('beforeend', '<div class="arrow">→</div>');
  frames.append(stack(failed ? `${to}: where it failed (${r.stage})` : `${to}: its path back to "${r.point}"`, t.resumed.filter((f, i) => f.own || i < 3), 'new', failed));
  el.append(frames);
  const note = document.createElement('p');
  note.className = 'hint';
  note.textContent = 'Orange frames are the program\'s own functions, grey ones the runtime\'s (libc). The highlighted top frame is the one that called the update point. Frames are read from the engine\'s stack trace (names from the module\'s name section); a function the compiler inlined has no frame of its own.';
  el.append(note);
}
