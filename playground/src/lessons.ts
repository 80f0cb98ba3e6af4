// The lessons, in the order the issue gives them: each a short text beside
// its code, a few steps, what to watch, and something to change and try.
import firstV1 from '../lessons/first/v1.c';
import firstV2 from '../lessons/first/v2.c';

export interface Lesson {
  name: string;
  title: string;
  /** The program's name: its versions are built as `${program}.c`, so statics keep their keys. */
  program: string;
  args?: string[];
  tabs: { name: string; text: string }[];
  intro: string;
  steps: string[];
  watch: string;
  tryThis: string;
}

export const LESSONS: Lesson[] = [
  {
    name: 'first',
    title: 'A first update',
    program: 'guests',
    tabs: [{ name: 'v1', text: firstV1 }, { name: 'v2', text: firstV2 }],
    intro: `<p>A program that keeps something in memory: a guest book, a linked list on the heap.
      Version 2 changes what it does. Updating it live swaps the code <em>under</em> the running program:
      the list you typed stays where it is, and v2 goes on from there.</p>`,
    steps: [
      'Press <b>▶ Run</b> (with tab <code>v1</code> selected).',
      'Click the terminal, type a few names, each followed by Enter.',
      'Select tab <code>v2</code> and press <b>⟲ Build &amp; update</b>.',
      'Type <code>list</code>: v2 lists the guests v1 took in.',
    ],
    watch: `<p>The <b>State</b> pane: <code>book</code> and <code>guests</code> before and after. The heap objects are
      grey: unchanged, still at the same addresses. Only the code changed. The timeline shows how long the program paused.</p>`,
    tryThis: `Add a global <code>int longest;</code> to v2 that remembers the longest name, print it in <code>list</code>, and Build &amp; update again:
      a new variable starts from its initialiser (green in the State pane) while the rest is copied.`,
  },
];

export const lessonByName = (name: string): Lesson | undefined => LESSONS.find((l) => l.name === name);
