/*
 * hale-shim: the small native supervisor of Hale's process runtime.
 *
 *   hale-shim run --state-dir DIR --log PATH [--log-max-size BYTES] [--log-max-files N]
 *                 [--cwd DIR] [--cgroup PATH]... [--mount SRC:DST:ro|rw]... [--netns PATH]
 *                 [--hostname NAME] [--user UID:GID[:G,...]] [--tty] [--stdin] [--stdin-once] -- ARGV...
 *     Supervises one container. Started detached (own session) so that it outlives the node
 *     agent. It forks the workload into its own process group, copies its output into a log
 *     file in the CRI format with size-based rotation, and records what happened in DIR:
 *       container.json  {pid, startTime, bootId, startedAt, shimPid} once the workload has exec'd
 *       exit.json       {exitCode, signal, finishedAt, message, oomKilled} when it ended
 *       stdin           a FIFO relayed to the workload's stdin (--stdin)
 *       resize          a FIFO of "COLS ROWS" lines resizing the pty (--tty)
 *       shim.log        the shim's own error, only when it fails (created then: every file
 *                       created costs an inode allocation, which is slow on some filesystems)
 *     One status line goes to stdout for the process that started it ("started PID" or
 *     "failed"), after which stdout is closed.
 *
 *   hale-shim exec [--tty] [--cwd DIR] [--cgroup PATH]... [--mountns-pid PID] [--netns PATH]
 *                  [--user UID:GID[:G,...]] -- ARGV...
 *     Runs a command in a container's context (its cgroups, mount, UTS and network namespaces, its user) and exits
 *     with its exit code (128+signal when killed). With --tty it relays fd 0 -> pty -> fd 1
 *     and reads "COLS ROWS" lines on fd 3 to resize the pty.
 *
 *   hale-shim port-forward --netns PATH --port N
 *     `kubectl port-forward` into a pod with its own network namespace: enters it, connects to
 *     localhost:N there (127.0.0.1, else ::1), as the CRI runtimes do, and relays fd 0 -> socket
 *     -> fd 1 (end of fd 0: half-close; end of the socket: fd 1 is closed). One status line
 *     goes to fd 3 before the relay starts: "connected", or "error ERRNO MESSAGE" (exit 1).
 *
 * Plain C on Linux, no dependencies; it is built by scripts/build-native.sh.
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <limits.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/socket.h>
#include <netinet/in.h>
#include <arpa/inet.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/types.h>
#include <sys/uio.h>
#include <sys/wait.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

#define MAX_LIST 64
/* Longest log record before a line is split into partial ("P") records, as containerd does. */
#define MAX_LINE 16384
#define DEFAULT_LOG_MAX_SIZE (10LL * 1024 * 1024)
#define DEFAULT_LOG_MAX_FILES 5
/* How long output is still copied after the workload ended (grandchildren may hold the pipe). */
#define DRAIN_TOTAL_MS 1000
#define DRAIN_IDLE_MS 100

struct options {
  const char *state_dir;
  const char *log_path;
  long long log_max_size;
  int log_max_files;
  const char *cwd;
  const char *cgroups[MAX_LIST];
  int ncgroups;
  const char *mounts[MAX_LIST];
  int nmounts;
  int tty;
  int stdin_open;
  int stdin_once;
  int mountns_pid;
  /* The pod's network namespace (a bind mount such as /run/netns/NAME) the workload joins. */
  const char *netns;
  /* The pod's hostname: the workload gets a UTS namespace of its own with it. */
  const char *hostname;
  /* UID:GID[:G1,G2,...]: who the workload runs as (runAsUser, runAsGroup, supplementary groups). */
  const char *user;
  char **argv;
};

static int signal_pipe[2] = {-1, -1};

/* DIR/shim.log of `run`, where die() writes; empty until --state-dir is known. */
static char error_log_path[PATH_MAX];

static void die(const char *fmt, ...) {
  FILE *out = stderr;
  if (error_log_path[0]) {
    int fd = open(error_log_path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0600);
    FILE *file = fd >= 0 ? fdopen(fd, "a") : NULL;
    if (file) out = file;
  }
  va_list ap;
  va_start(ap, fmt);
  fputs("hale-shim: ", out);
  vfprintf(out, fmt, ap);
  fputc('\n', out);
  va_end(ap);
  fflush(out);
  exit(125);
}

/* Finds --state-dir before the options are parsed, so that even a bad option is reported there. */
static void find_error_log(int argc, char **argv) {
  for (int i = 2; i + 1 < argc && strcmp(argv[i], "--") != 0; i++) {
    if (strcmp(argv[i], "--state-dir") == 0) {
      snprintf(error_log_path, sizeof error_log_path, "%s/shim.log", argv[i + 1]);
      return;
    }
  }
}

static void on_signal(int sig) {
  int saved = errno;
  unsigned char s = (unsigned char)sig;
  if (write(signal_pipe[1], &s, 1) < 0) {
    /* the pipe is full: a wake-up is already pending */
  }
  errno = saved;
}

static void set_nonblock(int fd) { fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK); }

static long long now_ms(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* RFC 3339 UTC with nanoseconds, the timestamp format of CRI log lines. */
static void format_time(char *out, size_t size) {
  struct timespec ts;
  struct tm tm;
  clock_gettime(CLOCK_REALTIME, &ts);
  gmtime_r(&ts.tv_sec, &tm);
  snprintf(out, size, "%04d-%02d-%02dT%02d:%02d:%02d.%09ldZ", tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour,
           tm.tm_min, tm.tm_sec, ts.tv_nsec);
}

static int write_all(int fd, const char *buf, size_t len) {
  while (len > 0) {
    ssize_t n = write(fd, buf, len);
    if (n < 0) {
      if (errno == EINTR) continue;
      if (errno == EAGAIN) {
        struct pollfd p = {.fd = fd, .events = POLLOUT};
        poll(&p, 1, 100);
        continue;
      }
      return -1;
    }
    buf += n;
    len -= (size_t)n;
  }
  return 0;
}

static void json_escape(char *out, size_t size, const char *in) {
  size_t o = 0;
  for (; *in && o + 7 < size; in++) {
    unsigned char c = (unsigned char)*in;
    if (c == '"' || c == '\\') {
      out[o++] = '\\';
      out[o++] = (char)c;
    } else if (c < 0x20) {
      o += (size_t)snprintf(out + o, size - o, "\\u%04x", c);
    } else {
      out[o++] = (char)c;
    }
  }
  out[o] = '\0';
}

/* Writes DIR/name atomically (tmp + rename) so readers never see half a file. `durable`: fsync
 * it too. The start's state need not be: it must outlive the agent, not the host (after a
 * reboot the boot id says the container is gone), and a start should not wait for the disk. */
static void write_state_file(const char *dir, const char *name, const char *content, int durable) {
  char tmp[PATH_MAX], dst[PATH_MAX];
  snprintf(tmp, sizeof tmp, "%s/.%s.tmp", dir, name);
  snprintf(dst, sizeof dst, "%s/%s", dir, name);
  int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0) return;
  write_all(fd, content, strlen(content));
  if (durable) fsync(fd);
  close(fd);
  rename(tmp, dst);
}

static void read_small_file(const char *path, char *out, size_t size) {
  out[0] = '\0';
  int fd = open(path, O_RDONLY | O_CLOEXEC);
  if (fd < 0) return;
  ssize_t n = read(fd, out, size - 1);
  close(fd);
  if (n < 0) n = 0;
  out[n] = '\0';
  while (n > 0 && (out[n - 1] == '\n' || out[n - 1] == ' ')) out[--n] = '\0';
}

/* Field 22 of /proc/PID/stat: start time in clock ticks since boot (identifies a pid). */
static unsigned long long process_start_time(pid_t pid) {
  char path[64], buf[1024];
  snprintf(path, sizeof path, "/proc/%d/stat", (int)pid);
  read_small_file(path, buf, sizeof buf);
  char *p = strrchr(buf, ')');
  if (!p) return 0;
  p += 2; /* now at field 3 (state) */
  for (int field = 3; field < 22 && p; field++) {
    p = strchr(p, ' ');
    if (p) p++;
  }
  return p ? strtoull(p, NULL, 10) : 0;
}

/* ---------- CRI log writer with size-based rotation ---------- */

struct log_writer {
  const char *path;
  int fd;
  long long size;
  long long max_size;
  int max_files;
};

static void log_open(struct log_writer *w) {
  w->fd = open(w->path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0640);
  struct stat st;
  w->size = (w->fd >= 0 && fstat(w->fd, &st) == 0) ? st.st_size : 0;
}

/* PATH -> PATH.1 -> ... -> PATH.(N-1); the oldest falls off. */
static void log_rotate(struct log_writer *w) {
  char from[PATH_MAX], to[PATH_MAX];
  if (w->fd >= 0) close(w->fd);
  if (w->max_files <= 1) {
    unlink(w->path);
  } else {
    snprintf(to, sizeof to, "%s.%d", w->path, w->max_files - 1);
    unlink(to);
    for (int i = w->max_files - 2; i >= 1; i--) {
      snprintf(from, sizeof from, "%s.%d", w->path, i);
      snprintf(to, sizeof to, "%s.%d", w->path, i + 1);
      rename(from, to);
    }
    snprintf(to, sizeof to, "%s.1", w->path);
    rename(w->path, to);
  }
  log_open(w);
}

static void log_record(struct log_writer *w, const char *stream, char tag, const char *data, size_t len) {
  char head[96];
  char ts[48];
  format_time(ts, sizeof ts);
  int hlen = snprintf(head, sizeof head, "%s %s %c ", ts, stream, tag);
  long long total = hlen + (long long)len + 1;
  if (w->size > 0 && w->size + total > w->max_size) log_rotate(w);
  if (w->fd < 0) return;
  struct iovec iov[3] = {{head, (size_t)hlen}, {(void *)data, len}, {"\n", 1}};
  ssize_t n;
  do n = writev(w->fd, iov, 3);
  while (n < 0 && errno == EINTR);
  if (n > 0) w->size += n;
}

/* ---------- output streams: bytes -> CRI log lines ---------- */

struct out_stream {
  int fd;
  const char *name;
  char line[MAX_LINE];
  size_t len;
};

static void stream_feed(struct log_writer *w, struct out_stream *s, const char *data, size_t n) {
  while (n > 0) {
    const char *nl = memchr(data, '\n', n);
    size_t take = nl ? (size_t)(nl - data) : n;
    size_t room = MAX_LINE - s->len;
    if (take >= room) {
      memcpy(s->line + s->len, data, room);
      log_record(w, s->name, 'P', s->line, MAX_LINE);
      s->len = 0;
      data += room;
      n -= room;
      continue;
    }
    memcpy(s->line + s->len, data, take);
    s->len += take;
    data += take;
    n -= take;
    if (nl) {
      log_record(w, s->name, 'F', s->line, s->len);
      s->len = 0;
      data++;
      n--;
    }
  }
}

static void stream_flush(struct log_writer *w, struct out_stream *s) {
  if (s->len > 0) log_record(w, s->name, 'F', s->line, s->len);
  s->len = 0;
}

/* Reads what is available; returns 0 at end of stream (EOF, or EIO once a pty's slave closed). */
static int stream_read(struct log_writer *w, struct out_stream *s) {
  char buf[65536];
  for (;;) {
    ssize_t n = read(s->fd, buf, sizeof buf);
    if (n > 0) {
      stream_feed(w, s, buf, (size_t)n);
      continue;
    }
    if (n < 0 && errno == EINTR) continue;
    if (n < 0 && errno == EAGAIN) return 1;
    return 0;
  }
}

/* ---------- helpers shared by the workload child ---------- */

static void child_fail(int errfd, const char *fmt, ...) {
  char msg[1024];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(msg, sizeof msg, fmt, ap);
  va_end(ap);
  if (write(errfd, msg, strlen(msg)) < 0) {
    /* nothing more we can do */
  }
  _exit(127);
}

static void reset_signals(void) {
  sigset_t all;
  sigemptyset(&all);
  sigprocmask(SIG_SETMASK, &all, NULL);
  for (int s = 1; s < NSIG; s++) signal(s, SIG_DFL);
}

static void join_cgroups(const struct options *o, int errfd) {
  char path[PATH_MAX], pid[32];
  snprintf(pid, sizeof pid, "%d", (int)getpid());
  for (int i = 0; i < o->ncgroups; i++) {
    snprintf(path, sizeof path, "%s/cgroup.procs", o->cgroups[i]);
    int fd = open(path, O_WRONLY | O_CLOEXEC);
    if (fd < 0 || write(fd, pid, strlen(pid)) < 0) child_fail(errfd, "failed to join cgroup %s: %s", o->cgroups[i], strerror(errno));
    close(fd);
  }
}

static int mkdir_p(const char *dir) {
  char buf[PATH_MAX];
  snprintf(buf, sizeof buf, "%s", dir);
  for (char *p = buf + 1; *p; p++) {
    if (*p != '/') continue;
    *p = '\0';
    if (mkdir(buf, 0755) < 0 && errno != EEXIST) return -1;
    *p = '/';
  }
  if (mkdir(buf, 0755) < 0 && errno != EEXIST) return -1;
  return 0;
}

/* A private mount namespace with each SRC bind-mounted at DST (read-only for "ro"). */
static void setup_mounts(const struct options *o, int errfd) {
  if (o->nmounts == 0) return;
  if (unshare(CLONE_NEWNS) < 0) child_fail(errfd, "failed to create a mount namespace: %s", strerror(errno));
  if (mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) < 0) child_fail(errfd, "failed to make mounts private: %s", strerror(errno));
  for (int i = 0; i < o->nmounts; i++) {
    char spec[PATH_MAX * 2 + 8];
    snprintf(spec, sizeof spec, "%s", o->mounts[i]);
    char *mode = strrchr(spec, ':');
    if (!mode) child_fail(errfd, "bad mount %s", o->mounts[i]);
    *mode++ = '\0';
    char *dst = strrchr(spec, ':');
    if (!dst) child_fail(errfd, "bad mount %s", o->mounts[i]);
    *dst++ = '\0';
    const char *src = spec;
    struct stat st;
    if (stat(src, &st) < 0) child_fail(errfd, "mount source %s: %s", src, strerror(errno));
    if (S_ISDIR(st.st_mode)) {
      if (mkdir_p(dst) < 0) child_fail(errfd, "failed to create %s: %s", dst, strerror(errno));
    } else {
      char parent[PATH_MAX];
      snprintf(parent, sizeof parent, "%s", dst);
      char *slash = strrchr(parent, '/');
      if (slash && slash != parent) {
        *slash = '\0';
        if (mkdir_p(parent) < 0) child_fail(errfd, "failed to create %s: %s", parent, strerror(errno));
      }
      int fd = open(dst, O_WRONLY | O_CREAT | O_CLOEXEC, 0644);
      if (fd < 0 && errno != EISDIR) child_fail(errfd, "failed to create %s: %s", dst, strerror(errno));
      if (fd >= 0) close(fd);
    }
    if (mount(src, dst, NULL, MS_BIND | MS_REC, NULL) < 0) child_fail(errfd, "failed to mount %s at %s: %s", src, dst, strerror(errno));
    if (strcmp(mode, "ro") == 0 && mount(NULL, dst, NULL, MS_BIND | MS_REMOUNT | MS_RDONLY, NULL) < 0)
      child_fail(errfd, "failed to make %s read-only: %s", dst, strerror(errno));
  }
}

/* Opens the pod's network namespace early: its path may not be visible after a mount-namespace switch. */
static int open_netns(const struct options *o, int errfd) {
  if (!o->netns) return -1;
  int fd = open(o->netns, O_RDONLY | O_CLOEXEC);
  if (fd < 0) child_fail(errfd, "failed to open the pod's network namespace %s: %s", o->netns, strerror(errno));
  return fd;
}

static void join_netns(int fd, int errfd) {
  if (fd < 0) return;
  if (setns(fd, CLONE_NEWNET) < 0) child_fail(errfd, "failed to enter the pod's network namespace: %s", strerror(errno));
  close(fd);
}

/* The container's mount namespace, and its UTS namespace (the pod's hostname; the host's for
   containers started without --hostname, which makes joining it a no-op). */
static void join_mount_namespace(const struct options *o, int errfd) {
  if (o->mountns_pid <= 0) return;
  char path[64];
  snprintf(path, sizeof path, "/proc/%d/ns/uts", o->mountns_pid);
  int fd = open(path, O_RDONLY | O_CLOEXEC);
  if (fd < 0 || setns(fd, CLONE_NEWUTS) < 0) child_fail(errfd, "failed to enter the container's UTS namespace: %s", strerror(errno));
  close(fd);
  snprintf(path, sizeof path, "/proc/%d/ns/mnt", o->mountns_pid);
  fd = open(path, O_RDONLY | O_CLOEXEC);
  if (fd < 0 || setns(fd, CLONE_NEWNS) < 0) child_fail(errfd, "failed to enter the container's mount namespace: %s", strerror(errno));
  close(fd);
}

/* A UTS namespace of the workload's own, named after the pod, as a pod's containers are. */
static void set_hostname(const struct options *o, int errfd) {
  if (!o->hostname) return;
  if (unshare(CLONE_NEWUTS) < 0) child_fail(errfd, "failed to create a UTS namespace: %s", strerror(errno));
  if (sethostname(o->hostname, strlen(o->hostname)) < 0) child_fail(errfd, "failed to set the hostname %s: %s", o->hostname, strerror(errno));
}

/* close_range(2): Linux 5.9+; musl's headers may not name it. */
#ifndef SYS_close_range
#define SYS_close_range 436
#endif

/* Closes every fd above 2 except `keep` so the workload inherits nothing of ours: with
   close_range where the kernel has it (listing /proc/self/fd costs a procfs inode per fd). */
static void close_other_fds(int keep) {
  if (keep > 2) {
    if ((keep == 3 || syscall(SYS_close_range, 3U, (unsigned)keep - 1, 0U) == 0) &&
        syscall(SYS_close_range, (unsigned)keep + 1, ~0U, 0U) == 0)
      return;
  } else if (syscall(SYS_close_range, 3U, ~0U, 0U) == 0) {
    return;
  }
  DIR *d = opendir("/proc/self/fd");
  if (!d) return;
  int dfd = dirfd(d);
  int fds[1024], n = 0;
  struct dirent *e;
  while ((e = readdir(d)) && n < 1024) {
    int fd = atoi(e->d_name);
    if (fd > 2 && fd != keep && fd != dfd) fds[n++] = fd;
  }
  closedir(d);
  for (int i = 0; i < n; i++) close(fds[i]);
}

/* Parses a decimal id ending at one of `ends` (or at the end of the string). */
static int parse_id(const char **p, const char *ends, unsigned long *out) {
  char *end;
  if (**p < '0' || **p > '9') return -1;
  errno = 0;
  *out = strtoul(*p, &end, 10);
  if (errno || *out > 0xfffffffeUL || (*end && !strchr(ends, *end))) return -1;
  *p = end;
  return 0;
}

/* --user: the workload's identity. Supplementary groups are replaced, the root's dropped. */
static void set_user(const struct options *o, int errfd) {
  if (!o->user) return;
  const char *p = o->user;
  unsigned long uid, gid, g;
  gid_t groups[MAX_LIST];
  size_t n = 0;
  if (parse_id(&p, ":", &uid) < 0 || *p++ != ':' || parse_id(&p, ":", &gid) < 0) child_fail(errfd, "bad --user %s", o->user);
  if (*p == ':') {
    p++;
    while (*p) {
      if (n >= MAX_LIST || parse_id(&p, ",", &g) < 0) child_fail(errfd, "bad --user %s", o->user);
      groups[n++] = (gid_t)g;
      if (*p == ',') p++;
    }
  }
  if (setgroups(n, groups) < 0) child_fail(errfd, "failed to set the supplementary groups: %s", strerror(errno));
  if (setgid((gid_t)gid) < 0) child_fail(errfd, "failed to set the group %lu: %s", gid, strerror(errno));
  if (setuid((uid_t)uid) < 0) child_fail(errfd, "failed to set the user %lu: %s", uid, strerror(errno));
}

static void exec_workload(const struct options *o, int errfd) {
  if (o->cwd && chdir(o->cwd) < 0) child_fail(errfd, "failed to change directory to %s: %s", o->cwd, strerror(errno));
  set_user(o, errfd);
  close_other_fds(errfd);
  execvp(o->argv[0], o->argv);
  int err = errno;
  char msg[1024];
  snprintf(msg, sizeof msg, "%c exec: \"%s\": %s", err == ENOENT ? 'N' : 'X', o->argv[0],
           err == ENOENT && !strchr(o->argv[0], '/') ? "executable file not found in $PATH" : strerror(err));
  if (write(errfd, msg, strlen(msg)) < 0) {
    /* nothing more we can do */
  }
  _exit(127);
}

static void set_window_size(int fd, const char *line) {
  int cols = 0, rows = 0;
  if (sscanf(line, "%d %d", &cols, &rows) != 2 || cols <= 0 || rows <= 0) return;
  struct winsize ws = {.ws_row = (unsigned short)rows, .ws_col = (unsigned short)cols};
  ioctl(fd, TIOCSWINSZ, &ws);
}

/* Reads "COLS ROWS\n" lines from `fd` and applies each to the pty. Returns 0 at EOF. */
static int resize_read(int fd, int master, char *acc, size_t *acclen, size_t accsize) {
  char buf[256];
  ssize_t n = read(fd, buf, sizeof buf);
  if (n < 0) return errno == EAGAIN || errno == EINTR;
  if (n == 0) return 0;
  for (ssize_t i = 0; i < n; i++) {
    if (buf[i] == '\n') {
      acc[*acclen] = '\0';
      set_window_size(master, acc);
      *acclen = 0;
    } else if (*acclen + 1 < accsize) {
      acc[(*acclen)++] = buf[i];
    }
  }
  return 1;
}

static int open_pty(int *slave_out) {
  int master = posix_openpt(O_RDWR | O_NOCTTY | O_CLOEXEC);
  if (master < 0 || grantpt(master) < 0 || unlockpt(master) < 0) return -1;
  char *name = ptsname(master);
  if (!name) return -1;
  int slave = open(name, O_RDWR | O_NOCTTY | O_CLOEXEC);
  if (slave < 0) return -1;
  *slave_out = slave;
  return master;
}

/* In the child: make `slave` the controlling terminal and the stdio of a new session. */
static void attach_pty(int slave, int errfd) {
  if (setsid() < 0) child_fail(errfd, "setsid: %s", strerror(errno));
  if (ioctl(slave, TIOCSCTTY, 0) < 0) child_fail(errfd, "failed to set the controlling terminal: %s", strerror(errno));
  dup2(slave, 0);
  dup2(slave, 1);
  dup2(slave, 2);
  if (slave > 2) close(slave);
}

static void parse_options(int argc, char **argv, int first, struct options *o) {
  memset(o, 0, sizeof *o);
  o->log_max_size = DEFAULT_LOG_MAX_SIZE;
  o->log_max_files = DEFAULT_LOG_MAX_FILES;
  int i = first;
  for (; i < argc; i++) {
    const char *a = argv[i];
    const char *v = i + 1 < argc ? argv[i + 1] : NULL;
    if (strcmp(a, "--") == 0) {
      i++;
      break;
    } else if (strcmp(a, "--tty") == 0) {
      o->tty = 1;
    } else if (strcmp(a, "--stdin") == 0) {
      o->stdin_open = 1;
    } else if (strcmp(a, "--stdin-once") == 0) {
      o->stdin_open = 1;
      o->stdin_once = 1;
    } else if (!v) {
      die("%s needs a value", a);
    } else if (strcmp(a, "--state-dir") == 0) {
      o->state_dir = v, i++;
    } else if (strcmp(a, "--log") == 0) {
      o->log_path = v, i++;
    } else if (strcmp(a, "--log-max-size") == 0) {
      o->log_max_size = atoll(v), i++;
    } else if (strcmp(a, "--log-max-files") == 0) {
      o->log_max_files = atoi(v), i++;
    } else if (strcmp(a, "--cwd") == 0) {
      o->cwd = v, i++;
    } else if (strcmp(a, "--netns") == 0) {
      o->netns = v, i++;
    } else if (strcmp(a, "--hostname") == 0) {
      o->hostname = v, i++;
    } else if (strcmp(a, "--user") == 0) {
      o->user = v, i++;
    } else if (strcmp(a, "--mountns-pid") == 0) {
      o->mountns_pid = atoi(v), i++;
    } else if (strcmp(a, "--cgroup") == 0) {
      if (o->ncgroups >= MAX_LIST) die("too many --cgroup");
      o->cgroups[o->ncgroups++] = v, i++;
    } else if (strcmp(a, "--mount") == 0) {
      if (o->nmounts >= MAX_LIST) die("too many --mount");
      o->mounts[o->nmounts++] = v, i++;
    } else {
      die("unknown option %s", a);
    }
  }
  if (i >= argc) die("missing command after --");
  o->argv = argv + i;
  if (o->log_max_size <= 0) o->log_max_size = DEFAULT_LOG_MAX_SIZE;
  if (o->log_max_files <= 0) o->log_max_files = 1;
}

static void install_handlers(const int *signals, int n) {
  if (pipe2(signal_pipe, O_CLOEXEC | O_NONBLOCK) < 0) die("pipe: %s", strerror(errno));
  struct sigaction sa;
  memset(&sa, 0, sizeof sa);
  sa.sa_handler = on_signal;
  sa.sa_flags = SA_RESTART;
  sigemptyset(&sa.sa_mask);
  for (int i = 0; i < n; i++) sigaction(signals[i], &sa, NULL);
  signal(SIGPIPE, SIG_IGN);
}

static int exit_code_of(int status, int *sig) {
  *sig = 0;
  if (WIFEXITED(status)) return WEXITSTATUS(status);
  if (WIFSIGNALED(status)) {
    *sig = WTERMSIG(status);
    return 128 + *sig;
  }
  return 255;
}

/* ---------- run mode ---------- */

/* The kernel's OOM-kill counter of a memory cgroup (v1 memory.oom_control, v2 memory.events). */
static long oom_kills(const char *cgroup) {
  const char *files[] = {"memory.oom_control", "memory.events"};
  for (int i = 0; i < 2; i++) {
    char path[PATH_MAX], buf[4096];
    snprintf(path, sizeof path, "%s/%s", cgroup, files[i]);
    read_small_file(path, buf, sizeof buf);
    char *p = strstr(buf, "oom_kill ");
    if (p) return atol(p + 9);
  }
  return 0;
}

/* SIGKILLs whatever is left of the container: its process group and its cgroups' members. */
static void kill_leftovers(const struct options *o, pid_t pgid) {
  kill(-pgid, SIGKILL);
  for (int i = 0; i < o->ncgroups; i++) {
    char path[PATH_MAX], buf[65536];
    snprintf(path, sizeof path, "%s/cgroup.procs", o->cgroups[i]);
    read_small_file(path, buf, sizeof buf);
    for (char *p = buf; *p;) {
      long pid = strtol(p, &p, 10);
      if (pid > 0 && pid != getpid()) kill((pid_t)pid, SIGKILL);
      while (*p == '\n' || *p == ' ') p++;
      if (pid <= 0 && *p) p++;
    }
  }
}

static int open_fifo(const char *dir, const char *name, char *path, size_t size) {
  snprintf(path, size, "%s/%s", dir, name);
  if (mkfifo(path, 0600) < 0 && errno != EEXIST) die("mkfifo %s: %s", path, strerror(errno));
  int fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC);
  if (fd < 0) die("open %s: %s", path, strerror(errno));
  return fd;
}

/* Reads the exec-error pipe to its end (closed by a successful exec, or carrying why the
 * child failed) into a NUL-terminated buffer, closes it and returns the message length. */
static size_t read_exec_failure(int fd, char *out, size_t size) {
  size_t len = 0;
  for (;;) {
    ssize_t n = read(fd, out + len, size - 1 - len);
    if (n > 0) {
      len += (size_t)n;
      continue;
    }
    if (n < 0 && errno == EINTR) continue;
    break;
  }
  close(fd);
  out[len] = '\0';
  return len;
}

/* The exit code for a failed start: "N exec: ..." = not found (127), "X exec: ..." = not
 * executable (126), anything else `fallback`. `msg` is the text to show without the tag. */
static int exec_failure_code(const char *failure, int fallback, const char **msg) {
  *msg = failure;
  if (strncmp(failure, "N exec: ", 8) == 0) {
    *msg = failure + 2;
    return 127;
  }
  if (strncmp(failure, "X exec: ", 8) == 0) {
    *msg = failure + 2;
    return 126;
  }
  return fallback;
}

static int cmd_run(int argc, char **argv) {
  struct options o;
  parse_options(argc, argv, 2, &o);
  if (!o.state_dir || !o.log_path) die("run needs --state-dir and --log");
  if (mkdir_p(o.state_dir) < 0) die("mkdir %s: %s", o.state_dir, strerror(errno));

  char buf[4096];

  int term_signals[] = {SIGCHLD, SIGTERM, SIGINT};
  install_handlers(term_signals, 3);
  signal(SIGHUP, SIG_IGN);

  struct log_writer log = {.path = o.log_path, .max_size = o.log_max_size, .max_files = o.log_max_files};
  log_open(&log);
  if (log.fd < 0) die("open log %s: %s", o.log_path, strerror(errno));

  char fifo_path[PATH_MAX], resize_path[PATH_MAX];
  int stdin_fifo = o.stdin_open ? open_fifo(o.state_dir, "stdin", fifo_path, sizeof fifo_path) : -1;
  int resize_fifo = o.tty ? open_fifo(o.state_dir, "resize", resize_path, sizeof resize_path) : -1;

  int out_pipe[2] = {-1, -1}, err_pipe[2] = {-1, -1}, in_pipe[2] = {-1, -1}, slave = -1, master = -1;
  if (o.tty) {
    master = open_pty(&slave);
    if (master < 0) die("failed to allocate a pty: %s", strerror(errno));
  } else {
    if (pipe2(out_pipe, O_CLOEXEC) < 0 || pipe2(err_pipe, O_CLOEXEC) < 0) die("pipe: %s", strerror(errno));
    if (o.stdin_open && pipe2(in_pipe, O_CLOEXEC) < 0) die("pipe: %s", strerror(errno));
  }
  int exec_err[2];
  if (pipe2(exec_err, O_CLOEXEC) < 0) die("pipe: %s", strerror(errno));

  pid_t child = fork();
  if (child < 0) die("fork: %s", strerror(errno));
  if (child == 0) {
    reset_signals();
    close(exec_err[0]);
    if (o.tty) {
      attach_pty(slave, exec_err[1]);
    } else {
      setpgid(0, 0);
      int devnull = open("/dev/null", O_RDWR);
      dup2(o.stdin_open ? in_pipe[0] : devnull, 0);
      dup2(out_pipe[1], 1);
      dup2(err_pipe[1], 2);
    }
    join_cgroups(&o, exec_err[1]);
    join_netns(open_netns(&o, exec_err[1]), exec_err[1]);
    setup_mounts(&o, exec_err[1]);
    set_hostname(&o, exec_err[1]);
    exec_workload(&o, exec_err[1]);
  }
  /* Both sides set the group so that signalling -child works right after fork. */
  if (!o.tty) setpgid(child, child);
  close(exec_err[1]);
  if (slave >= 0) close(slave);
  if (out_pipe[1] >= 0) close(out_pipe[1]);
  if (err_pipe[1] >= 0) close(err_pipe[1]);
  if (in_pipe[0] >= 0) close(in_pipe[0]);

  /* The exec-error pipe closes on a successful exec, or carries the reason it failed. */
  char failure[1024];
  size_t flen = read_exec_failure(exec_err[0], failure, sizeof failure);

  if (flen > 0) {
    int status;
    while (waitpid(child, &status, 0) < 0 && errno == EINTR) {
    }
    const char *msg;
    int code = exec_failure_code(failure, 128, &msg);
    log_record(&log, "stderr", 'F', msg, strlen(msg));
    char ts[48], esc[2048];
    format_time(ts, sizeof ts);
    json_escape(esc, sizeof esc, msg);
    snprintf(buf, sizeof buf,
             "{\"exitCode\":%d,\"signal\":null,\"finishedAt\":\"%s\",\"message\":\"%s\",\"oomKilled\":false,\"startFailed\":true}\n", code,
             ts, esc);
    write_state_file(o.state_dir, "exit.json", buf, 1);
    if (write(1, "failed\n", 7) < 0) {
      /* the starter went away */
    }
    return 0;
  }

  char boot_id[128], started[48];
  read_small_file("/proc/sys/kernel/random/boot_id", boot_id, sizeof boot_id);
  format_time(started, sizeof started);
  snprintf(buf, sizeof buf, "{\"pid\":%d,\"startTime\":%llu,\"bootId\":\"%s\",\"startedAt\":\"%s\",\"shimPid\":%d}\n", (int)child,
           process_start_time(child), boot_id, started, (int)getpid());
  write_state_file(o.state_dir, "container.json", buf, 0);
  snprintf(buf, sizeof buf, "started %d\n", (int)child);
  if (write(1, buf, strlen(buf)) < 0) {
    /* the starter went away */
  }
  int devnull = open("/dev/null", O_RDWR);
  dup2(devnull, 0);
  dup2(devnull, 1);
  close(devnull);

  static struct out_stream out, err;
  out.fd = o.tty ? master : out_pipe[0];
  out.name = "stdout";
  err.fd = o.tty ? -1 : err_pipe[0];
  err.name = "stderr";
  set_nonblock(out.fd);
  if (err.fd >= 0) set_nonblock(err.fd);
  int stdin_target = o.tty ? (o.stdin_open ? master : -1) : in_pipe[1];
  if (stdin_target >= 0 && stdin_target != master) set_nonblock(stdin_target);

  static char inbuf[65536];
  size_t inlen = 0, inoff = 0;
  char resize_acc[64];
  size_t resize_len = 0;
  int exited = 0, status = 0;
  char finished_at[48] = "";
  long long drain_deadline = 0, last_data = 0;

  for (;;) {
    struct pollfd p[6];
    int n = 0, i_sig, i_out = -1, i_err = -1, i_in = -1, i_stdin = -1, i_resize = -1;
    p[i_sig = n++] = (struct pollfd){.fd = signal_pipe[0], .events = POLLIN};
    if (out.fd >= 0) p[i_out = n++] = (struct pollfd){.fd = out.fd, .events = POLLIN};
    if (err.fd >= 0) p[i_err = n++] = (struct pollfd){.fd = err.fd, .events = POLLIN};
    if (!exited && stdin_fifo >= 0 && stdin_target >= 0 && inoff == inlen)
      p[i_in = n++] = (struct pollfd){.fd = stdin_fifo, .events = POLLIN};
    if (!exited && stdin_target >= 0 && inoff < inlen) p[i_stdin = n++] = (struct pollfd){.fd = stdin_target, .events = POLLOUT};
    if (!exited && resize_fifo >= 0) p[i_resize = n++] = (struct pollfd){.fd = resize_fifo, .events = POLLIN};

    int timeout = -1;
    if (exited) {
      long long now = now_ms();
      if ((out.fd < 0 && err.fd < 0) || now >= drain_deadline || now - last_data >= DRAIN_IDLE_MS) break;
      timeout = DRAIN_IDLE_MS;
    }
    int ready = poll(p, (nfds_t)n, timeout);
    if (ready < 0) {
      if (errno == EINTR) continue;
      die("poll: %s", strerror(errno));
    }
    if (ready == 0) continue;

    if (p[i_sig].revents & POLLIN) {
      unsigned char sigs[64];
      ssize_t k = read(signal_pipe[0], sigs, sizeof sigs);
      for (ssize_t j = 0; j < k; j++) {
        if (sigs[j] == SIGTERM || sigs[j] == SIGINT) kill(-child, sigs[j]);
      }
      int st;
      if (!exited && waitpid(child, &st, WNOHANG) == child) {
        exited = 1;
        status = st;
        format_time(finished_at, sizeof finished_at);
        kill_leftovers(&o, child);
        drain_deadline = now_ms() + DRAIN_TOTAL_MS;
        last_data = now_ms();
      }
    }
    if (resize_fifo >= 0 && i_resize >= 0 && p[i_resize].revents) {
      if (!resize_read(resize_fifo, master, resize_acc, &resize_len, sizeof resize_acc)) {
        /* every writer left: reopen so poll does not report the hang-up forever */
        int again = open(resize_path, O_RDONLY | O_NONBLOCK | O_CLOEXEC);
        close(resize_fifo);
        resize_fifo = again;
      }
    }
    if (i_out >= 0 && p[i_out].revents) {
      last_data = now_ms();
      if (!stream_read(&log, &out)) {
        stream_flush(&log, &out);
        if (out.fd != master) close(out.fd);
        out.fd = -1;
      }
    }
    if (i_err >= 0 && p[i_err].revents) {
      last_data = now_ms();
      if (!stream_read(&log, &err)) {
        stream_flush(&log, &err);
        close(err.fd);
        err.fd = -1;
      }
    }
    if (i_in >= 0 && p[i_in].revents) {
      ssize_t k = read(stdin_fifo, inbuf, sizeof inbuf);
      if (k > 0) {
        inlen = (size_t)k;
        inoff = 0;
      } else if (k == 0 || (k < 0 && errno != EAGAIN && errno != EINTR)) {
        /* the attached writer left */
        if (o.stdin_once) {
          if (o.tty) {
            write_all(master, "\x04", 1);
          } else {
            close(stdin_target);
          }
          stdin_target = -1;
          close(stdin_fifo);
          stdin_fifo = -1;
        } else {
          int again = open(fifo_path, O_RDONLY | O_NONBLOCK | O_CLOEXEC);
          close(stdin_fifo);
          stdin_fifo = again;
        }
      }
    }
    if (i_stdin >= 0 && p[i_stdin].revents) {
      ssize_t k = write(stdin_target, inbuf + inoff, inlen - inoff);
      if (k > 0) inoff += (size_t)k;
      if (k < 0 && errno != EAGAIN && errno != EINTR) inoff = inlen = 0; /* the workload closed its stdin */
    }
  }
  stream_flush(&log, &out);
  stream_flush(&log, &err);

  int sig;
  int code = exit_code_of(status, &sig);
  /* OOM-killed: the kernel killed the workload (or, through a shell, its child) in a memory cgroup. */
  long ooms = 0;
  for (int i = 0; i < o.ncgroups; i++) ooms += oom_kills(o.cgroups[i]);
  char sigtext[16];
  if (sig)
    snprintf(sigtext, sizeof sigtext, "%d", sig);
  else
    snprintf(sigtext, sizeof sigtext, "null");
  snprintf(buf, sizeof buf, "{\"exitCode\":%d,\"signal\":%s,\"finishedAt\":\"%s\",\"message\":\"\",\"oomKilled\":%s}\n", code, sigtext,
           finished_at, ooms > 0 && (sig == SIGKILL || code == 128 + SIGKILL) ? "true" : "false");
  write_state_file(o.state_dir, "exit.json", buf, 1);
  return 0;
}

/* ---------- exec mode ---------- */

static int cmd_exec(int argc, char **argv) {
  struct options o;
  parse_options(argc, argv, 2, &o);
  int forward[] = {SIGCHLD, SIGTERM, SIGINT, SIGHUP, SIGQUIT};
  install_handlers(forward, 5);

  int slave = -1, master = -1;
  if (o.tty) {
    master = open_pty(&slave);
    if (master < 0) die("failed to allocate a pty: %s", strerror(errno));
  }
  int exec_err[2];
  if (pipe2(exec_err, O_CLOEXEC) < 0) die("pipe: %s", strerror(errno));
  pid_t child = fork();
  if (child < 0) die("fork: %s", strerror(errno));
  if (child == 0) {
    reset_signals();
    close(exec_err[0]);
    if (o.tty) attach_pty(slave, exec_err[1]);
    join_cgroups(&o, exec_err[1]);
    int netns_fd = open_netns(&o, exec_err[1]);
    join_mount_namespace(&o, exec_err[1]);
    join_netns(netns_fd, exec_err[1]);
    if (!o.cwd && o.mountns_pid > 0 && chdir("/") < 0) child_fail(exec_err[1], "chdir /: %s", strerror(errno));
    exec_workload(&o, exec_err[1]);
  }
  close(exec_err[1]);
  if (slave >= 0) close(slave);
  char failure[1024];
  size_t flen = read_exec_failure(exec_err[0], failure, sizeof failure);
  if (flen > 0) {
    int st;
    while (waitpid(child, &st, 0) < 0 && errno == EINTR) {
    }
    const char *msg;
    int code = exec_failure_code(failure, 126, &msg);
    /* With a tty the message must reach the user through the same channel as the output. */
    dprintf(o.tty ? 1 : 2, "%s\r\n", msg);
    return code;
  }

  int in_fd = o.tty ? 0 : -1, resize_fd = -1;
  struct stat st3;
  if (o.tty && fstat(3, &st3) == 0) resize_fd = 3;
  if (in_fd >= 0) set_nonblock(in_fd);
  if (resize_fd >= 0) set_nonblock(resize_fd);
  if (master >= 0) set_nonblock(master);
  char resize_acc[64];
  size_t resize_len = 0;
  int exited = 0, status = 0;
  long long drain_deadline = 0, last_data = 0;
  char buf[65536];

  for (;;) {
    struct pollfd p[4];
    int n = 0, i_sig, i_master = -1, i_in = -1, i_resize = -1;
    p[i_sig = n++] = (struct pollfd){.fd = signal_pipe[0], .events = POLLIN};
    if (master >= 0) p[i_master = n++] = (struct pollfd){.fd = master, .events = POLLIN};
    if (!exited && in_fd >= 0) p[i_in = n++] = (struct pollfd){.fd = in_fd, .events = POLLIN};
    if (!exited && resize_fd >= 0) p[i_resize = n++] = (struct pollfd){.fd = resize_fd, .events = POLLIN};
    int timeout = -1;
    if (exited) {
      long long now = now_ms();
      if (master < 0 || now >= drain_deadline || now - last_data >= DRAIN_IDLE_MS) break;
      timeout = DRAIN_IDLE_MS;
    }
    int ready = poll(p, (nfds_t)n, timeout);
    if (ready < 0) {
      if (errno == EINTR) continue;
      break;
    }
    if (p[i_sig].revents & POLLIN) {
      unsigned char sigs[64];
      ssize_t k = read(signal_pipe[0], sigs, sizeof sigs);
      for (ssize_t j = 0; j < k; j++) {
        /* With a tty the command leads its own session; without, it shares our group. */
        if (sigs[j] != SIGCHLD) kill(o.tty ? -child : child, sigs[j]);
      }
      int s;
      if (!exited && waitpid(child, &s, WNOHANG) == child) {
        exited = 1;
        status = s;
        if (!o.tty) break;
        drain_deadline = now_ms() + DRAIN_TOTAL_MS;
        last_data = now_ms();
      }
    }
    /* Resize before relaying input, so a command typed after a resize sees the new size. */
    if (i_resize >= 0 && p[i_resize].revents) {
      if (!resize_read(resize_fd, master, resize_acc, &resize_len, sizeof resize_acc)) resize_fd = -1;
    }
    if (i_master >= 0 && p[i_master].revents) {
      ssize_t k = read(master, buf, sizeof buf);
      if (k > 0) {
        last_data = now_ms();
        write_all(1, buf, (size_t)k);
      } else if (k == 0 || (errno != EAGAIN && errno != EINTR)) {
        close(master);
        master = -1;
      }
    }
    if (i_in >= 0 && p[i_in].revents) {
      ssize_t k = read(in_fd, buf, sizeof buf);
      if (k > 0) {
        write_all(master, buf, (size_t)k);
      } else if (k == 0 || (errno != EAGAIN && errno != EINTR)) {
        in_fd = -1; /* the caller closed stdin; the terminal stays open like kubectl's */
      }
    }
  }
  if (!exited) {
    while (waitpid(child, &status, 0) < 0 && errno == EINTR) {
    }
  }
  int sig;
  return exit_code_of(status, &sig);
}

/* A TCP connection to localhost:port in the current network namespace, or -1 with errno set
   (that of 127.0.0.1, the address apps bind most). */
static int connect_localhost(int port) {
  struct sockaddr_in v4 = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port)};
  v4.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd >= 0 && connect(fd, (struct sockaddr *)&v4, sizeof v4) == 0) return fd;
  int err = errno;
  if (fd >= 0) close(fd);
  struct sockaddr_in6 v6 = {.sin6_family = AF_INET6, .sin6_port = htons((uint16_t)port), .sin6_addr = IN6ADDR_LOOPBACK_INIT};
  fd = socket(AF_INET6, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd >= 0 && connect(fd, (struct sockaddr *)&v6, sizeof v6) == 0) return fd;
  if (fd >= 0) close(fd);
  errno = err;
  return -1;
}

static int cmd_port_forward(int argc, char **argv) {
  const char *netns = NULL;
  int port = 0;
  for (int i = 2; i < argc; i++) {
    if (strcmp(argv[i], "--netns") == 0 && i + 1 < argc) netns = argv[++i];
    else if (strcmp(argv[i], "--port") == 0 && i + 1 < argc) port = atoi(argv[++i]);
    else {
      fprintf(stderr, "hale-shim port-forward: unknown argument %s\n", argv[i]);
      return 2;
    }
  }
  if (!netns || port < 1 || port > 65535) {
    fprintf(stderr, "usage: hale-shim port-forward --netns PATH --port N\n");
    return 2;
  }
  signal(SIGPIPE, SIG_IGN);
  /* fd 3 is the status line's; hold it even when not given, so no socket lands on it. */
  if (fcntl(3, F_GETFD) < 0) {
    int null = open("/dev/null", O_WRONLY);
    if (null >= 0 && null != 3) dup2(null, 3), close(null);
  }
  int ns = open(netns, O_RDONLY | O_CLOEXEC);
  if (ns < 0 || setns(ns, CLONE_NEWNET) < 0) {
    dprintf(3, "error %d failed to enter the pod's network namespace %s: %s\n", errno, netns, strerror(errno));
    return 1;
  }
  close(ns);
  int sock = connect_localhost(port);
  if (sock < 0) {
    dprintf(3, "error %d connect localhost:%d: %s\n", errno, port, strerror(errno));
    return 1;
  }
  dprintf(3, "connected\n");
  close(3);
  static char buf[65536];
  int in_open = 1, sock_open = 1;
  while (in_open || sock_open) {
    struct pollfd fds[2] = {{.fd = in_open ? 0 : -1, .events = POLLIN}, {.fd = sock_open ? sock : -1, .events = POLLIN}};
    if (poll(fds, 2, -1) < 0) {
      if (errno == EINTR) continue;
      return 1;
    }
    if (in_open && (fds[0].revents & (POLLIN | POLLHUP | POLLERR))) {
      ssize_t n = read(0, buf, sizeof buf);
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0) {
        in_open = 0;
        shutdown(sock, SHUT_WR);
      } else if (write_all(sock, buf, (size_t)n) < 0) {
        return 1; /* the connection was reset */
      }
    }
    if (sock_open && (fds[1].revents & (POLLIN | POLLHUP | POLLERR))) {
      ssize_t n = read(sock, buf, sizeof buf);
      if (n < 0 && errno == EINTR) continue;
      if (n < 0) return 1; /* reset: the agent sees the relay fail */
      if (n == 0) {
        sock_open = 0;
        close(1);
      } else if (write_all(1, buf, (size_t)n) < 0) {
        return 0; /* the agent closed its side */
      }
    }
  }
  return 0;
}

int main(int argc, char **argv) {
  if (argc >= 2 && strcmp(argv[1], "run") == 0) {
    find_error_log(argc, argv);
    return cmd_run(argc, argv);
  }
  if (argc >= 2 && strcmp(argv[1], "exec") == 0) return cmd_exec(argc, argv);
  if (argc >= 2 && strcmp(argv[1], "port-forward") == 0) return cmd_port_forward(argc, argv);
  if (argc >= 2 && strcmp(argv[1], "--version") == 0) {
    puts("hale-shim 1");
    return 0;
  }
  fprintf(stderr, "usage: hale-shim run --state-dir DIR --log PATH [options] -- ARGV...\n"
                  "       hale-shim exec [--tty] [--cwd DIR] [--cgroup PATH]... [--mountns-pid PID] [--netns PATH]\n"
                  "                      [--user UID:GID[:G,...]] -- ARGV...\n"
                  "       hale-shim port-forward --netns PATH --port N\n");
  return 2;
}
