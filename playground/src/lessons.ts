// The lessons, in the order the issue gives them: each a short text beside
// its code, a few steps, what to watch, and something to change and try.
import firstV1 from '../lessons/first/v1.c';
import firstV2 from '../lessons/first/v2.c';
import pointsV1 from '../lessons/points/v1.c';
import pointsV2 from '../lessons/points/v2.c';
import fieldV1 from '../lessons/field/v1.c';
import fieldV2 from '../lessons/field/v2.c';
import fieldSpec from '../lessons/field/spec.xf';
import treeV1 from '../lessons/tree/v1.c';
import treeV2 from '../lessons/tree/v2.c';
import treeSpec from '../lessons/tree/spec.xf';
import fntableV1 from '../lessons/fntable/v1.c';
import fntableV2 from '../lessons/fntable/v2.c';
import fntableSpec from '../lessons/fntable/spec.xf';
import rollbackV1 from '../lessons/rollback/v1.c';
import rollbackV2 from '../lessons/rollback/v2.c';
import gameV1 from '../lessons/game/v1.c';
import gameV2 from '../lessons/game/v2.c';
import serverV1 from '../lessons/server/v1.c';
import serverV2 from '../lessons/server/v2.c';

export interface Lesson {
  name: string;
  title: string;
  /** For the gallery. */
  short: string;
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
    short: 'First update',
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
  {
    name: 'points',
    short: 'Update points',
    title: 'Update points and control migration',
    program: 'server',
    tabs: [{ name: 'v1', text: pointsV1 }, { name: 'v2', text: pointsV2 }],
    intro: `<p>An update never happens just anywhere: only at an <b>update point</b>, a <code>kitsune_update("name")</code>
      call the program passes often (marked in the editor). This toy server has two loops and a point in each: one waits
      for clients, the other serves a client's jobs.</p><p>The new version starts again at <code>main</code>. It asks
      <code>kitsune_is_updating_from("session")</code> which loop the old one was in and goes straight back there:
      that is <b>control migration</b>.</p>`,
    steps: [
      '▶ Run, click the terminal and type a client name (<code>Ada</code>): its jobs start.',
      'While the jobs run, select <code>v2</code> and ⟲ Build &amp; update.',
      'v2 resumes the same session at the next job and charges double.',
      'Open the <b>Unwind</b> pane.',
    ],
    watch: `<p><b>Unwind</b>: the frames Asyncify saved at the update point (<code>run_session</code> inside <code>main</code>) and
      the new version's path back through the same calls. <b>State</b>: the locals <code>main#served</code> and
      <code>run_session#i</code> came through (<code>MIGRATE_LOCAL</code>), as did the open session on the heap.</p>`,
    tryThis: `Update again while the server waits for a client (between sessions): it takes over in the accept loop instead,
      and the Unwind pane shows only <code>main</code>. Then remove the <code>if (!kitsune_is_updating_from("session"))</code>
      test from a v3 and update mid-session: the open session is never finished.`,
  },
  {
    name: 'field',
    short: 'A field added',
    title: 'A field added',
    program: 'tasks',
    tabs: [{ name: 'v1', text: fieldV1 }, { name: 'v2', text: fieldV2 }, { name: 'spec.xf', text: fieldSpec }],
    intro: `<p>When a type changes, the bytes cannot simply be carried over. Version 2 adds a field,
      <code>priority</code>, to <code>struct task</code>: every task already on the heap must grow.</p>
      <p>Built <code>--from</code> the running version, the new one gets generated migration code: fields matched by name,
      each object moved to a block of its new size, every pointer to it following. What the types cannot say (what the
      new field should hold) is a rule in <code>spec.xf</code>.</p>`,
    steps: [
      '▶ Run. Type <code>add tests 1</code>: a one-hour task at the end of the queue.',
      'Select <code>v2</code>, read <code>spec.xf</code>, then ⟲ Build &amp; update from the v2 tab.',
      'v2 works on the shortest task first: <code>tests</code> jumps the queue.',
    ],
    watch: `<p><b>State</b>: every <code>struct task</code> is orange: transformed, and moved (hover one: its old and new
      address). <b>Diff</b>: <code>struct task</code> changes <i>deep</i> (a new size). The priorities came from the rule.</p>`,
    tryThis: `Empty <code>spec.xf</code> and update a fresh v1 again: the old tasks get priority 0 and go first.
      Or rename <code>spent</code> to <code>done</code> in a v3: the field is new (0) unless a rule
      <code>struct task.spent -> struct task.done: { $out = $in; }</code> carries it.`,
  },
  {
    name: 'tree',
    short: 'List → tree',
    title: 'A list that becomes a tree',
    program: 'set',
    tabs: [{ name: 'v1', text: treeV1 }, { name: 'v2', text: treeV2 }, { name: 'spec.xf', text: treeSpec }],
    intro: `<p>Sometimes the new version keeps the same data in a different shape. Version 1 keeps a set of numbers
      in a sorted linked list; version 2 in a binary search tree. The fields do not correspond, so no code can be
      generated: the rule in <code>spec.xf</code> walks the old list and builds a balanced tree.</p>`,
    steps: [
      '▶ Run. Type a few numbers (<code>25</code>, <code>5</code>, <code>90</code>).',
      'Select <code>v2</code> and ⟲ Build &amp; update.',
      'Type another number: it goes into the tree.',
    ],
    watch: `<p><b>State</b>: on the left the old list, red: its cells were freed just before the commit; on the right
      the new tree, green: made by the rule. <code>size</code> is copied as it was.</p>`,
    tryThis: `Make the rule build the tree from the keys in list order (insert one by one) instead of
      <code>balanced()</code>: the tree degenerates into a list of depth ${'<i>n</i>'}. Or add <code>abort();</code> at the end
      of the rule: the update rolls back and v1 keeps its list.`,
  },
  {
    name: 'fntable',
    short: 'Function pointers',
    title: 'A table of function pointers',
    program: 'calc',
    tabs: [{ name: 'v1', text: fntableV1 }, { name: 'v2', text: fntableV2 }, { name: 'spec.xf', text: fntableSpec }],
    intro: `<p>A function pointer is an index into the program's function table, and each version has its own
      functions. After an update, a pointer that v1 stored must call v2's code. The table of operations on the heap is
      not rebuilt: each pointer moves to the new version's function <b>of the same name</b>.</p>`,
    steps: [
      '▶ Run. Type <code>7 3</code>: add, sub and mul.',
      'Select <code>v2</code> and ⟲ Build &amp; update.',
      'Type <code>3 7</code>: <code>sub</code> is the distance now, through the very pointer v1 stored; <code>gcd</code> joined.',
    ],
    watch: `<p><b>State</b>: v1's table (<code>struct op ×3</code>, orange) was transformed: each entry gained
      <code>calls</code>, so the table moved to a larger block, its <code>fn</code> pointers remapped by name. Then v2's own
      <code>define("gcd")</code> grew it with <code>realloc</code>: the table you see after is that new block (green).
      <b>Diff</b>: <code>struct op</code> deep, <code>struct table</code> shallow (only its pointer changes).</p>`,
    tryThis: `Delete the rule in <code>spec.xf</code> and Build &amp; update from a fresh v1: v2 has no <code>mul</code>,
      so the update rolls back, naming it, and v1 goes on.`,
  },
  {
    name: 'rollback',
    short: 'Rollback',
    title: 'An update that fails and rolls back',
    program: 'ledger',
    tabs: [{ name: 'v1', text: rollbackV1 }, { name: 'v2', text: rollbackV2 }],
    intro: `<p>Updates can fail: the new version traps, runs out of memory, exits, or a migration rule fails. Until
      the new version reaches the update point, nothing is final. The old version's stack was saved by the unwind,
      its heap left whole (transformed objects are new blocks, in-place ones journaled), the new version's allocations
      recorded. A failure anywhere before the commit <b>rolls back</b>: the new version's memory is freed, and the old
      stack is rewound as if no update had been asked for.</p>`,
    steps: [
      '▶ Run. Type a few amounts: <code>+100</code>, <code>-30</code>, <code>+5</code>.',
      'Select <code>v2</code> and ⟲ Build &amp; update. Its audit fails: <code>assert</code> aborts.',
      'Type <code>+1</code>: v1 answers, with its balance intact.',
    ],
    watch: `<p>The <b>timeline</b>: the update stops at stage <i>main</i> with the reason. <b>State</b>: before and after the
      rollback, every entry and the balance are the same. <b>Unwind</b>: where v2 was when it failed.</p>`,
    tryThis: `Fix the bug in <code>audit()</code> (start at <code>entries</code>) and ⟲ Build &amp; update again: the same
      running v1, with the entry you typed after the rollback, now updates cleanly.`,
  },
  {
    name: 'game',
    short: '2048',
    title: 'A game that keeps its score',
    program: 'game',
    tabs: [{ name: 'v1', text: gameV1 }, { name: 'v2', text: gameV2 }],
    intro: `<p>2048 in the terminal: the program turns the terminal to <b>raw mode</b> (every key comes to it as it is
      pressed) and draws the screen itself with ANSI escapes. Version 2 draws coloured tiles and tracks the best tile.
      Update it in the middle of a game: the board, the score, the moves, even the random generator and the terminal's
      mode, belong to the running process and stay.</p>`,
    steps: [
      '▶ Run, click the terminal and play a few moves (arrow keys or <code>w a s d</code>).',
      'Select <code>v2</code> and ⟲ Build &amp; update: the same board, in colour.',
      'Play on: the score goes on from where it was.',
    ],
    watch: `<p><b>State</b>: <code>board</code>, <code>score</code> and <code>moves</code> copied; <code>best</code> is new (green).
      The static <code>game.c/cooked</code> (the terminal's old settings) is carried over, so quitting still restores the terminal.</p>`,
    tryThis: `Add an undo key to a v3 (keep a copy of the board before each move in a new global) and update mid-game.
      Or change <code>spawn()</code> to always add 4s: the next tile after the update shows it.`,
  },
  {
    name: 'server',
    short: 'A server',
    title: 'A server that keeps its clients',
    program: 'kv',
    tabs: [{ name: 'v1', text: serverV1 }, { name: 'v2', text: serverV2 }],
    intro: `<p>The reason DSU exists: a server that must not stop. This key-value store speaks a line protocol like
      memcached's; its client would be on a socket, here it is you, typing requests. Between two requests it passes its
      update point. Version 2 adds a field to every entry of its hash table (a deep transform, generated: no rule needed)
      and two requests.</p>`,
    steps: [
      '▶ Run. Type <code>set name Ada</code>, <code>set visits 1</code>, <code>get name</code>.',
      'Select <code>v2</code> and ⟲ Build &amp; update, between two requests.',
      'Type <code>incr visits</code>, <code>get name</code>, <code>stats</code>: the data is all there.',
    ],
    watch: `<p><b>State</b>: the <code>table</code> array of buckets, each entry moved to a larger block (orange), chains intact.
      The pause in the timeline is what a client would notice: a few milliseconds.</p>`,
    tryThis: `Add an <code>append KEY VALUE</code> request to a v3 and update again: the running server learns it with every
      key still in place. Then, in a v4, change <code>char *value</code> to <code>void *value</code>: the update is refused before anything
      runs, and the reason links to the variable and the field it is about.`,
  },
];

export const lessonByName = (name: string): Lesson | undefined => LESSONS.find((l) => l.name === name);
