// Lesson sources are bundled as text (esbuild's text loader, see ../bundle.ts).
declare module '*.c' { const text: string; export default text; }
declare module '*.xf' { const text: string; export default text; }
