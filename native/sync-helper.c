/*
 * berth's sync helper: the entrypoint of a tool's container on an engine that cannot see the
 * host's files (src/runtime/container/workspace-sync.ts), put there by berth before the start.
 *
 * Usage: sync-helper run STATE_DIR N ROOT_1 ... ROOT_N -- ARGV...
 *
 * 1. Removes the paths listed in STATE_DIR/delete (NUL-terminated absolute paths: what the user
 *    deleted on the host since the last run), whole trees for directories, never following a
 *    symbolic link.
 * 2. Writes the manifest of the roots to STATE_DIR/m/before (berth makes STATE_DIR/m).
 * 3. Runs ARGV (docker's PATH lookup) as its child, passing on every signal a process sent to it
 *    (the container's init passes berth's on to it); signals the kernel sends a terminal's whole
 *    foreground group (^C, a resize) reach the tool by themselves and are not sent twice.
 * 4. Once the tool exited, writes the manifest again to STATE_DIR/m/after, and the regular files that
 *    are new or changed (size, mtime) since the first to STATE_DIR/changed.tar (ustar, GNU long
 *    names, named by their absolute paths without the leading slash), then exits as the tool did
 *    (its code, or 128+N for signal N).
 * berth reads the manifests from the stopped container, then changed.tar when a file it needs is
 * in it, and copies back what differs (one it needs that is not there it asks for on its own).
 *
 * A manifest: one record per file, directory, symbolic link or other entry under each root (the
 * root included), each of seven NUL-terminated fields: type (f d l o), mode (octal, permission
 * bits and setuid/setgid/sticky), size, mtime seconds, mtime nanoseconds, path, link target
 * (empty unless a link).
 *
 * Freestanding: no libc, raw system calls, for x86_64 and aarch64, as native/warm-server.c
 * (scripts/build-warm-server.sh builds both programs).
 */

typedef unsigned long size_t;
typedef unsigned int u32;
typedef unsigned short u16;
typedef unsigned char u8;
typedef long long i64;
typedef unsigned long long u64;

#if defined(__x86_64__)
enum {
  SYS_read = 0, SYS_write = 1, SYS_close = 3, SYS_rt_sigprocmask = 14, SYS_clone = 56, SYS_execve = 59,
  SYS_wait4 = 61, SYS_kill = 62, SYS_rt_sigtimedwait = 128, SYS_getdents64 = 217, SYS_exit_group = 231,
  SYS_openat = 257, SYS_unlinkat = 263, SYS_readlinkat = 267, SYS_statx = 332,
};
static long sc(long n, long a, long b, long c, long d, long e) {
  register long r10 __asm__("r10") = d;
  register long r8 __asm__("r8") = e;
  long ret;
  __asm__ volatile("syscall" : "=a"(ret) : "a"(n), "D"(a), "S"(b), "d"(c), "r"(r10), "r"(r8) : "rcx", "r11", "memory");
  return ret;
}
__asm__(".text\n.global _start\n_start:\n xor %rbp,%rbp\n mov %rsp,%rdi\n and $-16,%rsp\n call start_c\n hlt\n");
#elif defined(__aarch64__)
enum {
  SYS_unlinkat = 35, SYS_openat = 56, SYS_close = 57, SYS_getdents64 = 61, SYS_read = 63, SYS_write = 64,
  SYS_readlinkat = 78, SYS_exit_group = 94, SYS_kill = 129, SYS_rt_sigprocmask = 135,
  SYS_rt_sigtimedwait = 137, SYS_clone = 220, SYS_execve = 221, SYS_wait4 = 260, SYS_statx = 291,
};
static long sc(long n, long a, long b, long c, long d, long e) {
  register long x8 __asm__("x8") = n;
  register long x0 __asm__("x0") = a;
  register long x1 __asm__("x1") = b;
  register long x2 __asm__("x2") = c;
  register long x3 __asm__("x3") = d;
  register long x4 __asm__("x4") = e;
  __asm__ volatile("svc 0" : "+r"(x0) : "r"(x8), "r"(x1), "r"(x2), "r"(x3), "r"(x4) : "memory");
  return x0;
}
__asm__(".text\n.global _start\n_start:\n mov x29, #0\n mov x30, #0\n mov x0, sp\n bl start_c\n brk #0\n");
#else
#error "sync-helper: x86_64 or aarch64 only"
#endif

#define AT_FDCWD (-100)
#define AT_SYMLINK_NOFOLLOW 0x100
#define AT_REMOVEDIR 0x200
#define O_RDONLY 0
#define O_WRONLY 1
#define O_CREAT 0100
#define O_TRUNC 01000
#define O_DIRECTORY 0200000
#define O_NOFOLLOW 0400000
#define O_CLOEXEC 02000000
#define SIGCHLD 17
#define SIG_SETMASK 2
#define WNOHANG 1
#define EINTR 4
#define EAGAIN 11
#define ENOENT 2
#define EACCES 13
#define ENOTDIR 20
#define EISDIR 21
#define STATX_BASIC_STATS 0x7ff
#define S_IFMT 0170000
#define S_IFDIR 0040000
#define S_IFREG 0100000
#define S_IFLNK 0120000
#define MAX_DEPTH 256

struct timespec { long sec; long nsec; };
struct statx_ts { i64 sec; u32 nsec; int pad; };
struct statx {
  u32 mask, blksize; u64 attributes; u32 nlink, uid, gid; u16 mode, pad0; u64 ino, size, blocks, attributesMask;
  struct statx_ts atime, btime, ctime, mtime; u32 rdevMajor, rdevMinor, devMajor, devMinor; u64 spare[14];
};
struct siginfo { int signo, errno_, code; int rest[29]; };

void *memset(void *d, int c, size_t n) {
  volatile u8 *p = d;
  while (n--) *p++ = (u8)c;
  return d;
}
void *memcpy(void *d, const void *s, size_t n) {
  volatile u8 *p = d;
  const u8 *q = s;
  while (n--) *p++ = *q++;
  return d;
}

static size_t length(const char *s) {
  size_t n = 0;
  while (s[n]) n++;
  return n;
}

static __attribute__((noreturn)) void quit(int status) {
  for (;;) sc(SYS_exit_group, status, 0, 0, 0, 0);
}

static void say(const char *a, const char *b, const char *c) {
  const char *parts[3] = {a, b, c};
  for (int i = 0; i < 3; i++) sc(SYS_write, 2, (long)parts[i], length(parts[i]), 0, 0);
}

/* ---------------------------------------------------------------- output */

static u8 out[64 * 1024];
static size_t outLength;
static int outFd = -1;

static void flush(void) {
  size_t done = 0;
  while (done < outLength) {
    long w = sc(SYS_write, outFd, (long)(out + done), outLength - done, 0, 0);
    if (w == -EINTR || w == -EAGAIN) continue;
    if (w <= 0) break;
    done += w;
  }
  outLength = 0;
}

static void put(const char *s, size_t n) {
  while (n > 0) {
    if (outLength == sizeof out) flush();
    size_t take = sizeof out - outLength < n ? sizeof out - outLength : n;
    memcpy(out + outLength, s, take);
    outLength += take;
    s += take;
    n -= take;
  }
}

static void field(const char *s) { put(s, length(s) + 1); }

static void number(u64 v, int base) {
  char digits[32];
  int i = sizeof digits - 1;
  digits[i] = 0;
  do {
    digits[--i] = "0123456789abcdef"[v % base];
    v /= base;
  } while (v > 0);
  field(digits + i);
}

/* ---------------------------------------------------------------- the manifest */

static char path[8192];
static char link[8192];

/* The first manifest's regular files, by a hash of their path: size and mtime (open addressing;
 * a full table only means more files in changed.tar). */
#define SLOTS (1 << 20)
static struct { u64 hash, size; i64 sec; u32 nsec, used; } seen[SLOTS];
static int second; /* writing the second manifest: changed files go to the archive */
static int tarFd = -1;

static u64 hashOf(const char *s) {
  u64 h = 1469598103934665603ULL;
  while (*s) h = (h ^ (u8)*s++) * 1099511628211ULL;
  return h ? h : 1;
}

static void remember(const struct statx *st) {
  u64 h = hashOf(path);
  for (u32 i = h & (SLOTS - 1), n = 0; n < 64; i = (i + 1) & (SLOTS - 1), n++) {
    if (seen[i].used) continue;
    seen[i].hash = h;
    seen[i].size = st->size;
    seen[i].sec = st->mtime.sec;
    seen[i].nsec = st->mtime.nsec;
    seen[i].used = 1;
    return;
  }
}

static int unchanged(const struct statx *st) {
  u64 h = hashOf(path);
  for (u32 i = h & (SLOTS - 1), n = 0; n < 64 && seen[i].used; i = (i + 1) & (SLOTS - 1), n++) {
    if (seen[i].hash == h) return seen[i].size == st->size && seen[i].sec == st->mtime.sec && seen[i].nsec == st->mtime.nsec;
  }
  return 0;
}

/* ---------------------------------------------------------------- changed.tar */

static u8 block[512];
static u8 copyBuffer[64 * 1024];

static void writeAll(int fd, const u8 *p, size_t n) {
  while (n > 0) {
    long w = sc(SYS_write, fd, (long)p, n, 0, 0);
    if (w == -EINTR || w == -EAGAIN) continue;
    if (w <= 0) return;
    p += w;
    n -= w;
  }
}

static void octal(u8 *at, int width, u64 v) {
  at[width - 1] = 0;
  for (int i = width - 2; i >= 0; i--) {
    at[i] = '0' + (v & 7);
    v >>= 3;
  }
}

static void header(const char *name, size_t nameLength, char type, u32 mode, u64 size, i64 mtime) {
  memset(block, 0, sizeof block);
  memcpy(block, name, nameLength > 100 ? 100 : nameLength);
  octal(block + 100, 8, mode);
  octal(block + 108, 8, 0);
  octal(block + 116, 8, 0);
  octal(block + 124, 12, size);
  octal(block + 136, 12, mtime < 0 ? 0 : (u64)mtime);
  block[156] = type;
  memcpy(block + 257, "ustar  ", 8); /* GNU magic: long names as 'L' entries */
  for (int i = 148; i < 156; i++) block[i] = ' ';
  u32 sum = 0;
  for (int i = 0; i < 512; i++) sum += block[i];
  octal(block + 148, 7, sum);
  block[155] = ' ';
  writeAll(tarFd, block, 512);
}

/* The file at path (open at dirFd as name) into changed.tar, when it is new or changed. */
static void archive(int dirFd, const char *name, const struct statx *st) {
  if (tarFd < 0 || unchanged(st) || st->size >= 077777777777ULL) return;
  int fd = sc(SYS_openat, dirFd, (long)name, O_RDONLY | O_NOFOLLOW | O_CLOEXEC, 0, 0);
  if (fd < 0) return;
  const char *entry = path + 1;
  size_t n = length(entry);
  if (n > 100) {
    header("././@LongLink", 13, 'L', 0644, n + 1, 0);
    writeAll(tarFd, (const u8 *)entry, n + 1);
    memset(block, 0, sizeof block);
    if ((n + 1) % 512) writeAll(tarFd, block, 512 - (n + 1) % 512);
  }
  header(entry, n, '0', st->mode & 0777, st->size, st->mtime.sec);
  u64 left = st->size;
  while (left > 0) {
    long r = sc(SYS_read, fd, (long)copyBuffer, left < sizeof copyBuffer ? left : sizeof copyBuffer, 0, 0);
    if (r == -EINTR) continue;
    if (r <= 0) break;
    writeAll(tarFd, copyBuffer, r);
    left -= r;
  }
  /* A file that shrank meanwhile is padded to the size its header says. */
  memset(copyBuffer, 0, sizeof copyBuffer);
  while (left > 0) {
    size_t w = left < sizeof copyBuffer ? left : sizeof copyBuffer;
    writeAll(tarFd, copyBuffer, w);
    left -= w;
  }
  if (st->size % 512) writeAll(tarFd, copyBuffer, 512 - st->size % 512);
  sc(SYS_close, fd, 0, 0, 0, 0);
}

static void record(int dirFd, const char *name, const struct statx *st) {
  u32 type = st->mode & S_IFMT;
  char kind[2] = {type == S_IFREG ? 'f' : type == S_IFDIR ? 'd' : type == S_IFLNK ? 'l' : 'o', 0};
  field(kind);
  number(st->mode & 07777, 8);
  number(type == S_IFREG ? st->size : 0, 10);
  number((u64)st->mtime.sec, 10);
  number(st->mtime.nsec, 10);
  field(path);
  if (type == S_IFREG) {
    if (second) archive(dirFd, name, st);
    else remember(st);
  }
  long n = 0;
  if (type == S_IFLNK) {
    n = sc(SYS_readlinkat, dirFd, (long)name, (long)link, sizeof link - 1, 0);
    if (n < 0) n = 0;
  }
  link[n] = 0;
  field(link);
}

/* The entries of the directory open at fd, path holding its path (of `used` bytes). */
static void scanDirectory(int fd, size_t used, int depth) {
  u8 entries[4096];
  for (;;) {
    long n = sc(SYS_getdents64, fd, (long)entries, sizeof entries, 0, 0);
    if (n <= 0) return;
    for (long at = 0; at < n;) {
      u16 size = *(u16 *)(entries + at + 16);
      const char *name = (const char *)(entries + at + 19);
      at += size;
      if (name[0] == '.' && (name[1] == 0 || (name[1] == '.' && name[2] == 0))) continue;
      size_t nameLength = length(name);
      if (used + 1 + nameLength + 1 > sizeof path) continue;
      path[used] = '/';
      memcpy(path + used + 1, name, nameLength + 1);
      struct statx st;
      if (sc(SYS_statx, fd, (long)name, AT_SYMLINK_NOFOLLOW, STATX_BASIC_STATS, (long)&st) < 0) continue;
      record(fd, name, &st);
      if ((st.mode & S_IFMT) == S_IFDIR && depth < MAX_DEPTH) {
        int child = sc(SYS_openat, fd, (long)name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC, 0, 0);
        if (child >= 0) {
          scanDirectory(child, used + 1 + nameLength, depth + 1);
          sc(SYS_close, child, 0, 0, 0, 0);
        }
      }
      path[used] = 0;
    }
  }
}

static void writeManifest(const char *file, char **roots, int count) {
  outFd = sc(SYS_openat, AT_FDCWD, (long)file, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600, 0);
  if (outFd < 0) {
    say("berth sync helper: cannot write ", file, "\n");
    quit(125);
  }
  for (int i = 0; i < count; i++) {
    size_t used = length(roots[i]);
    if (used + 1 > sizeof path) continue;
    memcpy(path, roots[i], used + 1);
    struct statx st;
    if (sc(SYS_statx, AT_FDCWD, (long)path, AT_SYMLINK_NOFOLLOW, STATX_BASIC_STATS, (long)&st) < 0) continue;
    record(AT_FDCWD, path, &st);
    if ((st.mode & S_IFMT) != S_IFDIR) continue;
    int fd = sc(SYS_openat, AT_FDCWD, (long)path, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC, 0, 0);
    if (fd < 0) continue;
    /* A root of "/" would make "//x": none is (berth never mounts the whole filesystem). */
    scanDirectory(fd, used, 0);
    sc(SYS_close, fd, 0, 0, 0, 0);
  }
  flush();
  sc(SYS_close, outFd, 0, 0, 0, 0);
}

/* ---------------------------------------------------------------- deletions */

static void removeTree(int dirFd, const char *name, int depth) {
  long r = sc(SYS_unlinkat, dirFd, (long)name, 0, 0, 0);
  if (r != -EISDIR || depth > MAX_DEPTH) return;
  int fd = sc(SYS_openat, dirFd, (long)name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC, 0, 0);
  if (fd >= 0) {
    u8 entries[4096];
    for (;;) {
      long n = sc(SYS_getdents64, fd, (long)entries, sizeof entries, 0, 0);
      if (n <= 0) break;
      for (long at = 0; at < n;) {
        u16 size = *(u16 *)(entries + at + 16);
        const char *child = (const char *)(entries + at + 19);
        at += size;
        if (child[0] == '.' && (child[1] == 0 || (child[1] == '.' && child[2] == 0))) continue;
        removeTree(fd, child, depth + 1);
      }
    }
    sc(SYS_close, fd, 0, 0, 0, 0);
  }
  sc(SYS_unlinkat, dirFd, (long)name, AT_REMOVEDIR, 0, 0);
}

static u8 list[256 * 1024];

static void deleteListed(const char *file) {
  int fd = sc(SYS_openat, AT_FDCWD, (long)file, O_RDONLY | O_CLOEXEC, 0, 0);
  if (fd < 0) return;
  size_t held = 0;
  for (;;) {
    long n = sc(SYS_read, fd, (long)(list + held), sizeof list - held, 0, 0);
    if (n == -EINTR) continue;
    if (n <= 0) break;
    held += n;
    size_t start = 0;
    for (size_t i = 0; i < held; i++) {
      if (list[i] != 0) continue;
      if (list[start] == '/') removeTree(AT_FDCWD, (const char *)(list + start), 0);
      start = i + 1;
    }
    /* An unfinished path moves to the front; one longer than the buffer is dropped. */
    held -= start;
    for (size_t i = 0; i < held; i++) list[i] = list[start + i];
    if (held == sizeof list) held = 0;
  }
  sc(SYS_close, fd, 0, 0, 0, 0);
}

/* ---------------------------------------------------------------- the tool */

static char pathBuffer[4096];

static const char *lookup(char **env, const char *name) {
  size_t n = length(name);
  for (; *env; env++) {
    size_t k = 0;
    while (k < n && (*env)[k] == name[k]) k++;
    if (k == n && (*env)[n] == '=') return *env + n + 1;
  }
  return 0;
}

/* execve with docker's PATH lookup (no shell for a script without #!). Returns the errno. */
static long execute(char **argv, char **env) {
  const char *name = argv[0];
  for (const char *p = name; *p; p++) {
    if (*p == '/') return -sc(SYS_execve, (long)name, (long)argv, (long)env, 0, 0);
  }
  const char *search = lookup(env, "PATH");
  if (!search) search = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";
  size_t nameLength = length(name);
  long failure = ENOENT;
  for (;;) {
    const char *end = search;
    while (*end && *end != ':') end++;
    size_t dir = end - search;
    if (dir + nameLength + 2 < sizeof pathBuffer) {
      size_t k = 0;
      for (; k < dir; k++) pathBuffer[k] = search[k];
      if (dir == 0) pathBuffer[k++] = '.';
      pathBuffer[k++] = '/';
      for (size_t i = 0; i <= nameLength; i++) pathBuffer[k + i] = name[i];
      long error = -sc(SYS_execve, (long)pathBuffer, (long)argv, (long)env, 0, 0);
      if (error == EACCES) failure = EACCES;
      else if (error != ENOENT && error != ENOTDIR) return error;
    }
    if (!*end) return failure;
    search = end + 1;
  }
}

static char stateFile[4096];

static const char *inState(const char *dir, const char *name) {
  size_t a = length(dir), b = length(name);
  if (a + b + 2 > sizeof stateFile) quit(125);
  memcpy(stateFile, dir, a);
  stateFile[a] = '/';
  memcpy(stateFile + a + 1, name, b + 1);
  return stateFile;
}

__attribute__((used, noreturn)) void start_c(long *stack) {
  int argc = (int)stack[0];
  char **argv = (char **)(stack + 1);
  char **envp = argv + argc + 1;
  if (argc < 6 || argv[1][0] != 'r') {
    say("usage: sync-helper run STATE_DIR N ROOT... -- ARGV...", "", "\n");
    quit(125);
  }
  const char *state = argv[2];
  int count = 0;
  for (const char *p = argv[3]; *p >= '0' && *p <= '9' && count < 10000; p++) count = count * 10 + (*p - '0');
  if (4 + count + 1 >= argc || argv[4 + count][0] != '-' || argv[4 + count][1] != '-') quit(125);
  char **roots = argv + 4;
  char **tool = argv + 4 + count + 1;

  deleteListed(inState(state, "delete"));
  writeManifest(inState(state, "m/before"), roots, count);

  unsigned long all = ~0UL, previous = 0;
  sc(SYS_rt_sigprocmask, SIG_SETMASK, (long)&all, (long)&previous, 8, 0);
  long child = sc(SYS_clone, SIGCHLD, 0, 0, 0, 0);
  if (child == 0) {
    sc(SYS_rt_sigprocmask, SIG_SETMASK, (long)&previous, 0, 8, 0);
    long error = execute(tool, envp);
    say("berth: cannot run ", tool[0], error == ENOENT ? ": no such file or directory in the image\n" : ": permission denied\n");
    quit(error == ENOENT ? 127 : 126);
  }
  if (child < 0) quit(125);
  int status = 0;
  for (;;) {
    struct siginfo info;
    long signal = sc(SYS_rt_sigtimedwait, (long)&all, (long)&info, 0, 8, 0);
    if (signal <= 0) continue;
    if (signal == SIGCHLD) {
      if (sc(SYS_wait4, child, (long)&status, WNOHANG, 0, 0) == child) break;
      continue;
    }
    /* Sent by a process (kill, tkill, sigqueue: code <= 0), not by the kernel to a group. */
    if (info.code <= 0) sc(SYS_kill, child, signal, 0, 0, 0);
  }
  second = 1;
  tarFd = sc(SYS_openat, AT_FDCWD, (long)inState(state, "changed.tar"), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600, 0);
  writeManifest(inState(state, "m/after"), roots, count);
  if (tarFd >= 0) {
    memset(block, 0, sizeof block);
    writeAll(tarFd, block, 512);
    writeAll(tarFd, block, 512);
    sc(SYS_close, tarFd, 0, 0, 0, 0);
  }
  quit((status & 0x7f) == 0 ? (status >> 8) & 0xff : 128 + (status & 0x7f));
}
