/*
 * berth's warm server: the main process of a warm container (src/warm/run-warm.ts).
 *
 * Usage: warm-server IDLE_SECONDS SOCKET_PATH
 *        warm-server --relay SOCKET_PATH   (see relay below)
 *
 * It listens on a unix socket in a directory berth bind-mounts from its cache, and runs each
 * call a connection asks for: forked from here, so the tool is inside the container's
 * namespaces, cgroup, capabilities and seccomp filter as a `docker exec` would be, without the
 * engine and runc in the way (a warm call costs a connect instead of ~60 ms of runc exec).
 * With no call for IDLE_SECONDS it exits, and the container stops (and is removed) by itself.
 *
 * Freestanding: no libc, raw system calls, for x86_64 and aarch64 (scripts/build-warm-server.sh
 * builds both; the bytes are committed in src/warm/server-program.ts).
 *
 * Protocol, per connection; every frame has docker's 8-byte header: type, 3 zero bytes, payload
 * length (u32 big-endian).
 *   berth -> server: 1 request (once, first): NUL-terminated strings: version "1", flags ("t" a
 *                    pty, "i" stdin is forwarded), rows, columns, working directory, argc, argv...,
 *                    envc, env... (merged over the container's environment by name);
 *                    2 stdin bytes (never more unacknowledged than WINDOW); 3 stdin ends;
 *                    4 signal (2 bytes: the signal number, then 1 for the whole process group, else
 *                    0); 5 resize (rows, cols: u16 BE).
 *   server -> berth: 1 stdout, 2 stderr (a pty's output is stdout); 3 exit (u32 BE status, 128+N
 *                    for signal N); 4 stdin credit (u32 BE bytes passed on to the tool, or dropped
 *                    once it has closed its stdin);
 *                    5 could not start (u32 BE errno, then what failed: "exec", "chdir", "pty");
 *                    6 started.
 * A connection that closes before the exit frame is berth gone: the tool's process group is
 * killed, as the end of its container would. After the exit frame, berth closes the connection.
 * When the tool exits, what it left in its process group is killed too, and its output is what
 * its pipes hold then (a pty's: until 200 ms pass without any): a process that left the group is
 * not waited for, as the end of a container would not wait for it.
 */

typedef unsigned long size_t;
typedef long ssize_t;
typedef unsigned int u32;
typedef unsigned short u16;
typedef unsigned char u8;

#if defined(__x86_64__)
enum {
  SYS_read = 0, SYS_write = 1, SYS_close = 3, SYS_ioctl = 16, SYS_rt_sigprocmask = 14, SYS_socket = 41, SYS_connect = 42,
  SYS_bind = 49, SYS_listen = 50, SYS_clone = 56, SYS_execve = 59, SYS_wait4 = 61, SYS_kill = 62,
  SYS_fcntl = 72, SYS_chdir = 80, SYS_umask = 95, SYS_setsid = 112, SYS_exit_group = 231,
  SYS_waitid = 247, SYS_openat = 257, SYS_unlinkat = 263, SYS_ppoll = 271, SYS_accept4 = 288,
  SYS_signalfd4 = 289, SYS_dup3 = 292, SYS_pipe2 = 293, SYS_close_range = 436,
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
  SYS_dup3 = 24, SYS_fcntl = 25, SYS_ioctl = 29, SYS_unlinkat = 35, SYS_chdir = 49, SYS_openat = 56,
  SYS_close = 57, SYS_pipe2 = 59, SYS_read = 63, SYS_write = 64, SYS_ppoll = 73, SYS_signalfd4 = 74,
  SYS_exit_group = 94, SYS_waitid = 95, SYS_kill = 129, SYS_rt_sigprocmask = 135, SYS_setsid = 157,
  SYS_umask = 166, SYS_socket = 198, SYS_bind = 200, SYS_listen = 201, SYS_connect = 203, SYS_clone = 220,
  SYS_execve = 221, SYS_accept4 = 242, SYS_wait4 = 260, SYS_close_range = 436,
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
#error "warm-server: x86_64 or aarch64 only"
#endif

#define AT_FDCWD (-100)
#define O_RDONLY 0
#define O_RDWR 2
#define O_NOCTTY 0400
#define O_NONBLOCK 04000
#define O_CLOEXEC 02000000
#define F_SETFL 4
#define AF_UNIX 1
#define SOCK_STREAM 1
#define SOCK_CLOEXEC O_CLOEXEC
#define SOCK_NONBLOCK O_NONBLOCK
#define SIGCHLD_FLAG 17
#define SIGKILL 9
#define SIGPIPE 13
#define SIGCHLD 17
#define SIG_BLOCK 0
#define SIG_SETMASK 2
#define WNOHANG 1
#define WEXITED 4
#define WNOWAIT 0x01000000
#define P_PID 1
#define CLD_EXITED 1
#define POLLIN 1
#define POLLOUT 4
#define POLLERR 8
#define POLLHUP 16
#define POLLRDHUP 0x2000
#define CLOSE_RANGE_CLOEXEC 4
#define TIOCSCTTY 0x540E
#define TIOCSWINSZ 0x5414
#define TIOCGPTN 0x80045430
#define TIOCSPTLCK 0x40045431
#define EINTR 4
#define EAGAIN 11
#define ENOENT 2
#define EACCES 13
#define ENOTDIR 20
#define EIO 5

#define WINDOW (256 * 1024)
#define CHUNK (64 * 1024)
#define MAX_REQUEST (2 * 1024 * 1024)
#define MAX_STRINGS 65536

struct pollfd { int fd; short events; short revents; };
struct timespec { long sec; long nsec; };
struct sockaddr_un { u16 family; char path[108]; };
struct winsize { u16 rows, cols, xpixel, ypixel; };

/* gcc may emit calls to these for struct copies and zeroing. */
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
void *memmove(void *d, const void *s, size_t n) {
  volatile u8 *p = d;
  const u8 *q = s;
  if (p < q) {
    while (n--) *p++ = *q++;
  } else {
    while (n--) p[n] = q[n];
  }
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

static u32 be32(const u8 *p) { return (u32)p[0] << 24 | (u32)p[1] << 16 | (u32)p[2] << 8 | p[3]; }
static void put32(u8 *p, u32 v) { p[0] = v >> 24; p[1] = v >> 16; p[2] = v >> 8; p[3] = v; }

/* A decimal count or size from a request; capped, so that sums of them cannot overflow. */
static long number(const char *s) {
  long n = 0;
  while (*s >= '0' && *s <= '9' && n < 100000000) n = n * 10 + (*s++ - '0');
  return n;
}

static void block(unsigned long mask) { sc(SYS_rt_sigprocmask, SIG_BLOCK, (long)&mask, 0, 8, 0); }

/* ---------------------------------------------------------------- one call */

static u8 request[MAX_REQUEST + 9]; /* frames read from berth, parsed in place (+ a NUL) */
static size_t requestLength;
static u8 input[WINDOW];            /* stdin on its way to the tool (a ring) */
static size_t inputStart, inputLength;
static u8 output[CHUNK + 64];       /* frames on their way to berth */
static size_t outputStart, outputLength;
static char *strings[MAX_STRINGS];
static char *environment[MAX_STRINGS];
static char pathBuffer[4096];

static int connection = -1;

/* Writes all of a small frame to the (non-blocking) connection. Only for frames sent when no
 * output is pending: the relay writes output once the socket takes more, so a frame of a few
 * bytes fits at once in practice. Returns -1 when berth is gone. */
static int sendAll(const u8 *p, size_t n) {
  while (n > 0) {
    long w = sc(SYS_write, connection, (long)p, n, 0, 0);
    if (w == -EAGAIN || w == -EINTR) {
      struct pollfd f = {connection, POLLOUT, 0};
      sc(SYS_ppoll, (long)&f, 1, 0, 0, 8);
      continue;
    }
    if (w <= 0) return -1;
    p += w;
    n -= w;
  }
  return 0;
}

static int sendFrame(int type, const u8 *payload, size_t n) {
  u8 frame[64];
  frame[0] = type;
  frame[1] = frame[2] = frame[3] = 0;
  put32(frame + 4, n);
  for (size_t i = 0; i < n; i++) frame[8 + i] = payload[i];
  return sendAll(frame, 8 + n);
}

/* What the tool's process runs as: the container's environment with the call's on top. */
static char **mergeEnvironment(char **base, char **call, long callCount) {
  int n = 0;
  for (char **e = base; *e && n < MAX_STRINGS - callCount - 1; e++) environment[n++] = *e;
  for (long i = 0; i < callCount; i++) {
    size_t key = 0;
    while (call[i][key] && call[i][key] != '=') key++;
    int j = 0;
    for (; j < n; j++) {
      size_t k = 0;
      while (k < key && environment[j][k] == call[i][k]) k++;
      if (k == key && environment[j][key] == '=') break;
    }
    environment[j] = call[i];
    if (j == n) n++;
  }
  environment[n] = 0;
  return environment;
}

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
  const char *path = lookup(env, "PATH");
  if (!path) path = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";
  size_t nameLength = length(name);
  long failure = ENOENT;
  for (;;) {
    const char *end = path;
    while (*end && *end != ':') end++;
    size_t dir = end - path;
    if (dir + nameLength + 2 < sizeof pathBuffer) {
      size_t k = 0;
      for (; k < dir; k++) pathBuffer[k] = path[k];
      if (dir == 0) pathBuffer[k++] = '.';
      pathBuffer[k++] = '/';
      for (size_t i = 0; i <= nameLength; i++) pathBuffer[k + i] = name[i];
      long error = -sc(SYS_execve, (long)pathBuffer, (long)argv, (long)env, 0, 0);
      if (error == EACCES) failure = EACCES;
      else if (error != ENOENT && error != ENOTDIR) return error;
    }
    if (!*end) return failure;
    path = end + 1;
  }
}

static void killGroup(int pid) {
  if (pid > 0) sc(SYS_kill, -pid, SIGKILL, 0, 0, 0);
}

static __attribute__((noreturn)) void serve(char **containerEnvironment) {
  /* The request: the first frame, within 10 s (a silent client must not keep the container). */
  size_t need = 8;
  while (requestLength < need) {
    long r = sc(SYS_read, connection, (long)request + requestLength, need - requestLength, 0, 0);
    if (r == -EAGAIN || r == -EINTR) {
      struct pollfd f = {connection, POLLIN, 0};
      struct timespec wait = {10, 0};
      if (sc(SYS_ppoll, (long)&f, 1, (long)&wait, 0, 8) == 0) quit(1);
      continue;
    }
    if (r <= 0) quit(1);
    requestLength += r;
    if (requestLength == 8) {
      if (request[0] != 1 || be32(request + 4) > MAX_REQUEST) quit(1);
      need = 8 + be32(request + 4);
    }
  }
  int count = 0;
  for (size_t i = 8; i < need && count < MAX_STRINGS; count++) {
    strings[count] = (char *)request + i;
    while (i < need && request[i]) i++;
    i++;
  }
  request[need] = 0;
  if (count < 6 || strings[0][0] != '1') quit(1);
  int tty = 0, withInput = 0;
  for (const char *f = strings[1]; *f; f++) {
    if (*f == 't') tty = 1;
    if (*f == 'i') withInput = 1;
  }
  struct winsize size = {(u16)number(strings[2]), (u16)number(strings[3]), 0, 0};
  const char *cwd = strings[4];
  long argc = number(strings[5]);
  if (argc < 1 || argc > count - 7) quit(1);
  char **argv = strings + 6;
  long envc = number(strings[6 + argc]);
  if (envc > count - 7 - argc) quit(1);
  char **callEnv = strings + 7 + argc;
  strings[6 + argc] = 0; /* argv's end */
  char **env = mergeEnvironment(containerEnvironment, callEnv, envc);
  requestLength = 0;
  /* berth gave up on this connection already (it found the container paused, say, and ran the
   * tool elsewhere): the tool must not run twice. */
  {
    struct pollfd f = {connection, POLLRDHUP, 0};
    struct timespec now = {0, 0};
    if (sc(SYS_ppoll, (long)&f, 1, (long)&now, 0, 8) > 0 && (f.revents & (POLLRDHUP | POLLHUP | POLLERR))) quit(0);
  }

  /* The tool's stdio: pipes, or a pty allocated in the container's /dev/pts. */
  int toTool = -1, fromTool = -1, errFromTool = -1, childIn = -1, childOut = -1, childErr = -1, master = -1;
  char ptsPath[32];
  int fds[2], report[2];
  u8 failure[12];
  if (sc(SYS_pipe2, (long)report, O_CLOEXEC, 0, 0, 0) < 0) quit(1);
  if (tty) {
    master = sc(SYS_openat, AT_FDCWD, (long)"/dev/ptmx", O_RDWR | O_NOCTTY | O_CLOEXEC | O_NONBLOCK, 0, 0);
    int unlock = 0;
    u32 n = 0;
    if (master < 0 || sc(SYS_ioctl, master, TIOCSPTLCK, (long)&unlock, 0, 0) < 0 || sc(SYS_ioctl, master, TIOCGPTN, (long)&n, 0, 0) < 0) {
      put32(failure, master < 0 ? -master : EIO);
      for (int i = 0; i < 3; i++) failure[4 + i] = "pty"[i];
      sendFrame(5, failure, 7);
      quit(1);
    }
    if (size.rows && size.cols) sc(SYS_ioctl, master, TIOCSWINSZ, (long)&size, 0, 0);
    const char *prefix = "/dev/pts/";
    int k = 0;
    while (prefix[k]) ptsPath[k] = prefix[k], k++;
    char digits[12];
    int d = 0;
    do digits[d++] = '0' + n % 10; while ((n /= 10) && d < 11);
    while (d) ptsPath[k++] = digits[--d];
    ptsPath[k] = 0;
    toTool = fromTool = master;
  } else {
    if (withInput) {
      if (sc(SYS_pipe2, (long)fds, O_CLOEXEC, 0, 0, 0) < 0) quit(1);
      childIn = fds[0];
      toTool = fds[1];
    } else {
      childIn = sc(SYS_openat, AT_FDCWD, (long)"/dev/null", O_RDONLY | O_CLOEXEC, 0, 0);
    }
    if (sc(SYS_pipe2, (long)fds, O_CLOEXEC, 0, 0, 0) < 0) quit(1);
    fromTool = fds[0];
    childOut = fds[1];
    if (sc(SYS_pipe2, (long)fds, O_CLOEXEC, 0, 0, 0) < 0) quit(1);
    errFromTool = fds[0];
    childErr = fds[1];
  }

  long pid = sc(SYS_clone, SIGCHLD_FLAG, 0, 0, 0, 0);
  if (pid < 0) quit(1);
  if (pid == 0) {
    unsigned long none = 0;
    sc(SYS_rt_sigprocmask, SIG_SETMASK, (long)&none, 0, 8, 0);
    /* Only 0, 1 and 2 reach the tool, as runc's exec gives: whatever the server was started
     * with (an engine's init gives none, a shell may) is closed at the exec too (Linux 5.11+;
     * berth's own descriptors are close-on-exec anyway). */
    sc(SYS_close_range, 3, ~0U, CLOSE_RANGE_CLOEXEC, 0, 0);
    sc(SYS_setsid, 0, 0, 0, 0, 0);
    const char *stage = "pty";
    long error = 0;
    if (tty) {
      int slave = sc(SYS_openat, AT_FDCWD, (long)ptsPath, O_RDWR | O_CLOEXEC, 0, 0);
      if (slave < 0) error = -slave;
      else {
        sc(SYS_ioctl, slave, TIOCSCTTY, 0, 0, 0);
        childIn = childOut = childErr = slave;
      }
    }
    if (!error) {
      stage = "stdio";
      long a = childIn < 0 ? childIn : sc(SYS_dup3, childIn, 0, 0, 0, 0);
      long b = a < 0 ? a : sc(SYS_dup3, childOut, 1, 0, 0, 0);
      long c = b < 0 ? b : sc(SYS_dup3, childErr, 2, 0, 0, 0);
      error = c < 0 ? -c : 0;
    }
    if (!error) {
      stage = "chdir";
      error = -sc(SYS_chdir, (long)cwd, 0, 0, 0, 0);
      if (!error) {
        stage = "exec";
        error = execute(argv, env);
      }
    }
    put32(failure, error);
    for (int i = 0; stage[i]; i++) failure[4 + i] = stage[i];
    sc(SYS_write, report[1], (long)failure, 4 + length(stage), 0, 0);
    quit(127);
  }
  sc(SYS_close, report[1], 0, 0, 0, 0);
  if (!tty) {
    sc(SYS_close, childIn, 0, 0, 0, 0);
    sc(SYS_close, childOut, 0, 0, 0, 0);
    sc(SYS_close, childErr, 0, 0, 0, 0);
  }
  /* Started once the report pipe closes empty (execve closed it). */
  long got = 0;
  for (;;) {
    long r = sc(SYS_read, report[0], (long)failure + got, sizeof failure - got, 0, 0);
    if (r == -EINTR) continue;
    if (r <= 0) break;
    got += r;
  }
  if (got >= 4) {
    int status = 0;
    sc(SYS_wait4, pid, (long)&status, 0, 0, 0);
    sendFrame(5, failure, got);
    quit(0);
  }
  if (sendFrame(6, 0, 0) < 0) {
    killGroup(pid);
    quit(1);
  }

  /* The relay. The tool's output is read only when the last of it has gone to berth (that is
   * the backpressure); berth's frames are always read, so a signal is never stuck behind data. */
  if (!tty) {
    if (toTool >= 0) sc(SYS_fcntl, toTool, F_SETFL, O_NONBLOCK, 0, 0);
    sc(SYS_fcntl, fromTool, F_SETFL, O_NONBLOCK, 0, 0);
    sc(SYS_fcntl, errFromTool, F_SETFL, O_NONBLOCK, 0, 0);
  }
  int sigchld = -1;
  {
    unsigned long mask = 1UL << (SIGCHLD - 1);
    sigchld = sc(SYS_signalfd4, -1, (long)&mask, 8, O_CLOEXEC | O_NONBLOCK, 0);
  }
  int exited = 0, status = 0, inputEnded = 0;
  size_t credit = 0;
  for (;;) {
    if (outputLength == 0 && credit > 0 && (credit >= CHUNK / 2 || inputLength == 0)) {
      u8 c[4];
      put32(c, credit);
      if (sendFrame(4, c, 4) < 0) break;
      credit = 0;
    }
    if (exited && fromTool < 0 && errFromTool < 0 && outputLength == 0) {
      u8 c[4];
      put32(c, status);
      if (sendFrame(3, c, 4) < 0) quit(0);
      /* berth closes the connection once it has read the exit frame, which may be long after
       * (a slow reader of its output). Until then it is kept open, so that a frame berth writes
       * meanwhile (stdin's end, a signal) never meets a closed socket, which would make berth
       * drop what it has not read yet. */
      for (;;) {
        struct pollfd f = {connection, POLLIN, 0};
        if (sc(SYS_ppoll, (long)&f, 1, 0, 0, 8) <= 0) break;
        long r = sc(SYS_read, connection, (long)request, sizeof request - 1, 0, 0);
        if (r == 0 || (r < 0 && r != -EAGAIN && r != -EINTR)) break;
      }
      quit(0);
    }
    if (inputEnded && inputLength == 0 && toTool >= 0 && !tty) {
      sc(SYS_close, toTool, 0, 0, 0, 0);
      toTool = -1;
    }
    struct pollfd f[5];
    int n = 0, iConn = -1, iSig = -1, iOut = -1, iErr = -1, iIn = -1;
    f[iConn = n++] = (struct pollfd){connection, POLLIN | (outputLength ? POLLOUT : 0), 0};
    if (sigchld >= 0 && !exited) f[iSig = n++] = (struct pollfd){sigchld, POLLIN, 0};
    if (outputLength == 0 && fromTool >= 0) f[iOut = n++] = (struct pollfd){fromTool, POLLIN, 0};
    if (outputLength == 0 && errFromTool >= 0) f[iErr = n++] = (struct pollfd){errFromTool, POLLIN, 0};
    if (inputLength > 0 && toTool >= 0) f[iIn = n++] = (struct pollfd){toTool, POLLOUT, 0};
    /* How long to wait: while the tool runs, for an event (without SIGCHLD as a descriptor,
     * 50 ms at a time). Once it has exited, what is in its pipes is read without waiting (see
     * below); a pty's last output may take the kernel a moment, and a process that left the
     * tool's group may hold the pty open: 200 ms without output end it, as the container's end
     * would end all. */
    struct timespec tick = {0, 50000000}, now = {0, 0}, settle = {0, 200000000};
    struct timespec *timeout = sigchld >= 0 ? 0 : &tick;
    if (exited) timeout = outputLength ? 0 : (!tty && (fromTool >= 0 || errFromTool >= 0)) ? &now : &settle;
    long ready = sc(SYS_ppoll, (long)f, n, (long)timeout, 0, 8);
    if (ready < 0 && ready != -EINTR) break;
    if (ready == 0 && exited && tty && outputLength == 0) fromTool = -1;

    /* The tool's end: read without reaping first, so its process group cannot be reused while
     * what it left in there is killed. */
    if (!exited && (iSig < 0 || (f[iSig].revents & POLLIN))) {
      u8 info[128];
      for (int i = 0; i < 128; i++) info[i] = 0;
      if (sigchld >= 0) {
        u8 drain[128];
        while (sc(SYS_read, sigchld, (long)drain, sizeof drain, 0, 0) > 0) {}
      }
      if (sc(SYS_waitid, P_PID, pid, (long)info, WEXITED | WNOHANG | WNOWAIT, 0) == 0 && *(int *)(info + 16) == pid) {
        int code = *(int *)(info + 8);
        int value = *(int *)(info + 24);
        status = code == CLD_EXITED ? (value & 255) : 128 + value;
        exited = 1;
        killGroup(pid);
        int ignored;
        sc(SYS_wait4, pid, (long)&ignored, 0, 0, 0);
      }
    }

    short connEvents = f[iConn].revents;
    if (connEvents & POLLOUT) {
      long w = sc(SYS_write, connection, (long)output + outputStart, outputLength, 0, 0);
      if (w < 0 && w != -EAGAIN && w != -EINTR) break;
      if (w > 0) {
        outputStart += w;
        outputLength -= w;
        if (outputLength == 0) outputStart = 0;
      }
    }
    if (connEvents & (POLLIN | POLLHUP | POLLERR)) {
      long r = sc(SYS_read, connection, (long)request + requestLength, sizeof request - 1 - requestLength, 0, 0);
      if (r == 0 || (r < 0 && r != -EAGAIN && r != -EINTR)) break; /* berth is gone */
      if (r > 0) requestLength += r;
      size_t at = 0;
      while (requestLength - at >= 8) {
        u8 *frame = request + at;
        u32 size = be32(frame + 4);
        if (size > CHUNK) goto gone;
        if (requestLength - at < 8 + size) break;
        u8 *payload = frame + 8;
        if (frame[0] == 2) {
          if (inputLength + size > WINDOW) goto gone;
          if (toTool < 0 || inputEnded) credit += size;
          else {
            for (u32 i = 0; i < size; i++) input[(inputStart + inputLength + i) % WINDOW] = payload[i];
            inputLength += size;
          }
        } else if (frame[0] == 3) {
          inputEnded = 1;
        } else if (frame[0] == 4 && size >= 2 && !exited) {
          sc(SYS_kill, payload[1] ? -pid : pid, payload[0], 0, 0, 0);
        } else if (frame[0] == 5 && size >= 4 && master >= 0) {
          struct winsize ws = {(u16)(payload[0] << 8 | payload[1]), (u16)(payload[2] << 8 | payload[3]), 0, 0};
          sc(SYS_ioctl, master, TIOCSWINSZ, (long)&ws, 0, 0);
        }
        at += 8 + size;
      }
      memmove(request, request + at, requestLength - at);
      requestLength -= at;
    }
    /* stdin to the tool (a pty's input goes to its master). */
    if (inputLength > 0 && toTool >= 0) {
      size_t run = inputLength;
      if (inputStart + run > WINDOW) run = WINDOW - inputStart;
      long w = sc(SYS_write, toTool, (long)input + inputStart, run, 0, 0);
      if (w > 0) {
        inputStart = (inputStart + w) % WINDOW;
        inputLength -= w;
        credit += w;
      } else if (w != -EAGAIN && w != -EINTR) {
        /* The tool closed its stdin: the rest is dropped, as a pipe's reader gone would. */
        credit += inputLength;
        inputLength = 0;
        inputStart = 0;
        if (!tty) {
          sc(SYS_close, toTool, 0, 0, 0, 0);
          toTool = -1;
        }
      }
    }
    /* Output to berth, a frame at a time. */
    int sources[2] = {iOut, iErr};
    for (int s = 0; s < 2 && outputLength == 0; s++) {
      int *fd = s == 0 ? &fromTool : &errFromTool;
      /* Once the tool has exited (and its group been killed), its pipes hold all it wrote: they
       * are read until empty, not until every writer is gone (one that left the group could
       * keep them open, where a container's end would have killed it). */
      int drain = exited && *fd >= 0 && *fd != master;
      if (!drain && (sources[s] < 0 || !(f[sources[s]].revents & (POLLIN | POLLHUP | POLLERR)))) continue;
      long r = sc(SYS_read, *fd, (long)output + 8, CHUNK, 0, 0);
      if (r > 0) {
        output[0] = s + 1;
        output[1] = output[2] = output[3] = 0;
        put32(output + 4, r);
        outputStart = 0;
        outputLength = 8 + r;
      } else if (r == -EAGAIN && drain) {
        sc(SYS_close, *fd, 0, 0, 0, 0);
        *fd = -1;
      } else if (r != -EAGAIN && r != -EINTR) {
        /* EOF, or EIO from a pty whose every slave closed (the master stays open for input). */
        if (*fd != master) sc(SYS_close, *fd, 0, 0, 0, 0);
        *fd = -1;
      }
    }
  }
gone:
  /* (Once reaped, the tool's pid may be another's: its group was killed then.) */
  if (!exited) killGroup(pid);
  quit(1);
}

/* ---------------------------------------------------------------- the relay */

/* One read from `from`, written whole to `to` (both blocking); 0 at either's end. */
static int copy(int from, int to) {
  long r = sc(SYS_read, from, (long)output, sizeof output, 0, 0);
  if (r == -EINTR) return 1;
  if (r <= 0) return 0;
  for (long done = 0; done < r;) {
    long w = sc(SYS_write, to, (long)(output + done), r - done, 0, 0);
    if (w == -EINTR) continue;
    if (w <= 0) return 0;
    done += w;
  }
  return 1;
}

/*
 * warm-server --relay SOCKET_PATH: what berth runs with `docker exec` where it cannot reach the
 * server's socket itself (an engine on another machine or in a VM: src/warm/exec-call.ts). It
 * connects to the server and copies its stdin to the socket and the socket to its stdout, so the
 * protocol above runs unchanged through the exec's stream. Either end ends it: berth gone (its
 * exec's stdin closed) closes the connection, and the server kills the call as it would.
 */
static __attribute__((noreturn)) void relay(const char *socketPath) {
  struct sockaddr_un address = {AF_UNIX, {0}};
  size_t n = length(socketPath);
  if (n >= sizeof address.path) quit(2);
  for (size_t i = 0; i < n; i++) address.path[i] = socketPath[i];
  int s = sc(SYS_socket, AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, 0, 0);
  if (s < 0 || sc(SYS_connect, s, (long)&address, 2 + n + 1, 0, 0) < 0) quit(3);
  for (;;) {
    struct pollfd f[2] = {{0, POLLIN, 0}, {s, POLLIN, 0}};
    if (sc(SYS_ppoll, (long)f, 2, 0, 0, 8) < 0) continue;
    /* The server's side first: its last frames reach berth before an end of stdin ends this. */
    if ((f[1].revents & (POLLIN | POLLHUP | POLLERR)) && !copy(s, 1)) quit(0);
    if ((f[0].revents & (POLLIN | POLLHUP | POLLERR)) && !copy(0, s)) quit(0);
  }
}

/* ---------------------------------------------------------------- the server */

__attribute__((used, noreturn)) void start_c(long *stack) {
  int argc = (int)stack[0];
  char **argv = (char **)(stack + 1);
  char **envp = argv + argc + 1;
  const char *r = "--relay";
  int relaying = argc > 2;
  for (int i = 0; relaying && (r[i] || argv[1][i]); i++) relaying = r[i] == argv[1][i];
  if (relaying) relay(argv[2]);
  long idle = argc > 1 ? number(argv[1]) : 600;
  const char *socketPath = argc > 2 ? argv[2] : "/dev/.berth-warm/s";
  if (idle < 1) idle = 1;

  /* Signals the server handles itself: a call's end, and berth's connections closing under a
   * write. (A tool gets a clean mask: see serve.) */
  block(1UL << (SIGCHLD - 1) | 1UL << (SIGPIPE - 1));

  struct sockaddr_un address = {AF_UNIX, {0}};
  size_t n = length(socketPath);
  if (n >= sizeof address.path) quit(2);
  for (size_t i = 0; i < n; i++) address.path[i] = socketPath[i];
  int listener = sc(SYS_socket, AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, 0, 0);
  if (listener < 0) quit(2);
  sc(SYS_unlinkat, AT_FDCWD, (long)socketPath, 0, 0, 0);
  /* The socket may be used by berth's uid, whatever the container's (its directory on the host is
   * only berth's user's). Only the socket: the tools keep the umask runc gave the server. */
  long umask = sc(SYS_umask, 0, 0, 0, 0, 0);
  long bound = sc(SYS_bind, listener, (long)&address, 2 + n + 1, 0, 0);
  sc(SYS_umask, umask, 0, 0, 0, 0);
  if (bound < 0) quit(2);
  if (sc(SYS_listen, listener, 128, 0, 0, 0) < 0) quit(2);
  unsigned long mask = 1UL << (SIGCHLD - 1);
  int sigchld = sc(SYS_signalfd4, -1, (long)&mask, 8, O_CLOEXEC | O_NONBLOCK, 0);

  int calls = 0;
  for (;;) {
    struct pollfd f[2] = {{listener, POLLIN, 0}, {sigchld, POLLIN, 0}};
    struct timespec timeout = {idle, 0};
    struct timespec tick = {0, 200000000};
    long ready = sc(SYS_ppoll, (long)f, sigchld >= 0 ? 2 : 1, calls > 0 ? (sigchld >= 0 ? 0 : (long)&tick) : (long)&timeout, 0, 8);
    if (sigchld >= 0 && (f[1].revents & POLLIN)) {
      u8 drain[128];
      while (sc(SYS_read, sigchld, (long)drain, sizeof drain, 0, 0) > 0) {}
    }
    int status;
    while (sc(SYS_wait4, -1, (long)&status, WNOHANG, 0, 0) > 0) calls--;
    if (ready == 0 && calls <= 0) {
      /* Idle: no more connections, then the container's end. */
      sc(SYS_close, listener, 0, 0, 0, 0);
      sc(SYS_unlinkat, AT_FDCWD, (long)socketPath, 0, 0, 0);
      quit(0);
    }
    if (ready > 0 && (f[0].revents & POLLIN)) {
      int c = sc(SYS_accept4, listener, 0, 0, SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
      if (c < 0) {
        /* Out of descriptors or memory: not again at once. */
        struct timespec pause = {0, 100000000};
        if (c != -EAGAIN && c != -EINTR) sc(SYS_ppoll, 0, 0, (long)&pause, 0, 8);
        continue;
      }
      long pid = sc(SYS_clone, SIGCHLD_FLAG, 0, 0, 0, 0);
      if (pid == 0) {
        sc(SYS_close, listener, 0, 0, 0, 0);
        if (sigchld >= 0) sc(SYS_close, sigchld, 0, 0, 0, 0);
        connection = c;
        serve(envp);
      }
      if (pid > 0) calls++;
      sc(SYS_close, c, 0, 0, 0, 0);
    }
  }
}
