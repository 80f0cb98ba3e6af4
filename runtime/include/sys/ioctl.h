/* kitsune-wasm POSIX overlay: <sys/ioctl.h> adds struct winsize and TIOCGWINSZ. */
#include_next <sys/ioctl.h>
#ifndef KITSUNE_POSIX_SYS_IOCTL_H
#define KITSUNE_POSIX_SYS_IOCTL_H
#ifndef __DEFINED_struct_winsize
struct winsize { unsigned short ws_row, ws_col, ws_xpixel, ws_ypixel; };
#define __DEFINED_struct_winsize
#endif
#define TIOCGWINSZ 0x5413
#define TIOCSWINSZ 0x5414
#endif
