/*
 * hale-spawner: a small spawn server for one Node.js process (src/agent/runtime/process/spawner.ts).
 *
 * Forking a 150+ MB Node.js process copies its page tables, write-protects its heap and holds
 * its mm lock; forking this ~1 MB process costs tens of microseconds. Node starts it once
 * (one fork of the big process) and asks it to start every other process.
 *
 * Protocol, on stdin (requests) and stdout (answers); every integer is little-endian:
 *   record = u32 body length, body
 *   body   = field*, each field = u32 length, bytes   (binary-safe: output may hold NULs)
 * Numbers inside fields are decimal ASCII. Requests:
 *   "c" id file timeoutMs maxOutput outputGraceMs argc argv[argc] env...   run and collect
 *   "s" id file cwd stderrPath argc argv[argc] env...                       start a shim
 *   "n" id timeoutMs netnsPath veth bridge address/prefix gateway         attach a pod network
 *   "N" id timeoutMs netnsPath veth                                         detach it
 * (argv[0] is the program's name; env fields are "NAME=value".) Answers:
 *   "r" id exitCode timedOut(0|1) stdout stderr    a collect, attach or detach finished (exitCode 128+signal when killed)
 *   "p" id pid hasLine(0|1) line                   a shim started: its first stdout line, if any
 *   "x" id                                         that shim exited (we are its parent and reap it)
 *   "e" id message                                 the request failed ("spawn FILE ENOENT", as Node says)
 *
 * collect: new session (its own process group), stdin /dev/null, stdout and stderr captured up
 * to maxOutput bytes each (the rest is read and dropped), the whole group SIGKILLed after
 * timeoutMs; after the exit, output is still read for up to outputGraceMs (a grandchild may
 * hold the pipes). shim: new session, stdin /dev/null, stderr appended to stderrPath, stdout
 * read only until its first line. attach and detach: a forked child (no exec) does what
 * pod-network.c says and is then collected like a command.
 *
 * When stdin reaches EOF (Node exited or closed it), the server exits at once and kills
 * nothing: shims are detached and must outlive the agent. Every descriptor is close-on-exec,
 * so children get only their stdin, stdout and stderr.
 *
 * Plain C on Linux, no dependencies; built by scripts/build-native.sh.
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/signalfd.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "pod-network.h"

/* A request larger than this is a broken peer, not a command line. */
#define MAX_RECORD (64u * 1024 * 1024)
/* A shim's status line is short; more than this without a newline counts as the line. */
#define MAX_STATUS_LINE 4096
#define READ_CHUNK 65536

struct buf {
  char *data;
  size_t len, cap;
};

static void *xrealloc(void *p, size_t n) {
  void *q = realloc(p, n ? n : 1);
  if (!q) {
    fprintf(stderr, "hale-spawner: out of memory\n");
    exit(3);
  }
  return q;
}

static void buf_append(struct buf *b, const void *data, size_t n) {
  if (n == 0) return;
  if (b->len + n > b->cap) {
    size_t cap = b->cap ? b->cap : 256;
    while (cap < b->len + n) cap *= 2;
    b->data = xrealloc(b->data, cap);
    b->cap = cap;
  }
  memcpy(b->data + b->len, data, n);
  b->len += n;
}

static void buf_consume(struct buf *b, size_t n) {
  memmove(b->data, b->data + n, b->len - n);
  b->len -= n;
}

static void buf_free(struct buf *b) {
  free(b->data);
  b->data = NULL;
  b->len = b->cap = 0;
}

static long long now_ms(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* ---- answers (buffered; stdout is non-blocking and flushed from the loop) ---- */

static struct buf out_buf;
static int stdout_broken;

struct field {
  const char *data;
  size_t len;
};

static void put_u32(struct buf *b, uint32_t v) {
  unsigned char le[4] = {v & 0xff, (v >> 8) & 0xff, (v >> 16) & 0xff, (v >> 24) & 0xff};
  buf_append(b, le, 4);
}

static void answer(const struct field *fields, int count) {
  uint32_t body = 0;
  for (int i = 0; i < count; i++) body += 4 + (uint32_t)fields[i].len;
  put_u32(&out_buf, body);
  for (int i = 0; i < count; i++) {
    put_u32(&out_buf, (uint32_t)fields[i].len);
    buf_append(&out_buf, fields[i].data, fields[i].len);
  }
}

#define STR(s) ((struct field){(s), strlen(s)})

static void answer_error(const char *id, const char *message) {
  struct field f[] = {STR("e"), STR(id), STR(message)};
  answer(f, 3);
}

static void flush_answers(void) {
  while (out_buf.len > 0 && !stdout_broken) {
    ssize_t n = write(STDOUT_FILENO, out_buf.data, out_buf.len);
    if (n > 0) {
      buf_consume(&out_buf, (size_t)n);
    } else if (n < 0 && errno == EINTR) {
      continue;
    } else if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
      return;
    } else {
      stdout_broken = 1; /* Node is gone */
    }
  }
}

/* ---- error texts like Node's: "spawn FILE ENOENT" ---- */

static const char *errno_name(int err) {
  switch (err) {
    case ENOENT: return "ENOENT";
    case EACCES: return "EACCES";
    case ENOTDIR: return "ENOTDIR";
    case ENOEXEC: return "ENOEXEC";
    case E2BIG: return "E2BIG";
    case ENOMEM: return "ENOMEM";
    case EAGAIN: return "EAGAIN";
    case EMFILE: return "EMFILE";
    case ENFILE: return "ENFILE";
    case ELOOP: return "ELOOP";
    case ENAMETOOLONG: return "ENAMETOOLONG";
    case EPERM: return "EPERM";
    case EISDIR: return "EISDIR";
    case ETXTBSY: return "ETXTBSY";
    case EINVAL: return "EINVAL";
    default: return NULL;
  }
}

static void spawn_error_text(char *out, size_t size, const char *file, int err) {
  const char *name = errno_name(err);
  if (name) snprintf(out, size, "spawn %s %s", file, name);
  else snprintf(out, size, "spawn %s errno %d", file, err);
}

/* ---- jobs: one per child process ---- */

enum job_kind { COLLECT, SHIM };

struct job {
  struct job *next;
  enum job_kind kind;
  char *id;
  pid_t pid;
  int reaped;
  int exit_code;
  int out_fd, err_fd; /* -1 once closed */
  struct buf out, err;
  size_t max_output;
  long long kill_at;   /* collect: the timeout */
  long long grace_ms;  /* collect: how long output may still come after the exit */
  long long grace_end; /* collect: when that is over; -1 before the exit */
  int timed_out;
  int answered; /* shim: its status line went out */
};

static struct job *jobs;

static void close_fd(int *fd) {
  if (*fd >= 0) close(*fd);
  *fd = -1;
}

static void free_job(struct job *job) {
  for (struct job **p = &jobs; *p; p = &(*p)->next) {
    if (*p == job) {
      *p = job->next;
      break;
    }
  }
  close_fd(&job->out_fd);
  close_fd(&job->err_fd);
  buf_free(&job->out);
  buf_free(&job->err);
  free(job->id);
  free(job);
}

static struct job *new_job(enum job_kind kind, const char *id) {
  struct job *job = xrealloc(NULL, sizeof *job);
  memset(job, 0, sizeof *job);
  job->kind = kind;
  job->id = strdup(id);
  if (!job->id) exit(3);
  job->out_fd = job->err_fd = -1;
  job->grace_end = -1;
  job->next = jobs;
  jobs = job;
  return job;
}

/* ---- starting a child ---- */

static const char *env_path(char **envp) {
  for (char **e = envp; *e; e++)
    if (strncmp(*e, "PATH=", 5) == 0) return *e + 5;
  return "/usr/bin:/bin"; /* libuv's default when the environment has no PATH */
}

/*
 * posix_spawn (a vfork-like clone in glibc) with the PATH of the child's environment, as
 * libuv does; answers 0 or an errno. The child gets its own session, default signal
 * handling, an empty signal mask, stdin /dev/null and the given stdout/stderr.
 */
static int spawn_child(pid_t *pid, const char *file, char **argv, char **envp, const char *cwd, int out_fd, int err_fd) {
  posix_spawn_file_actions_t actions;
  posix_spawnattr_t attr;
  sigset_t none, all;
  sigemptyset(&none);
  sigfillset(&all);
  posix_spawn_file_actions_init(&actions);
  posix_spawnattr_init(&attr);
  if (cwd) posix_spawn_file_actions_addchdir_np(&actions, cwd);
  posix_spawn_file_actions_addopen(&actions, STDIN_FILENO, "/dev/null", O_RDONLY, 0);
  posix_spawn_file_actions_adddup2(&actions, out_fd, STDOUT_FILENO);
  posix_spawn_file_actions_adddup2(&actions, err_fd, STDERR_FILENO);
  posix_spawnattr_setsigmask(&attr, &none);
  posix_spawnattr_setsigdefault(&attr, &all);
  posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETSID | POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF);

  int result;
  if (file[0] == '\0') {
    result = ENOENT;
  } else if (strchr(file, '/')) {
    result = posix_spawn(pid, file, &actions, &attr, argv, envp);
  } else {
    /* Like execvp: try each PATH entry; EACCES only when nothing better was found. */
    const char *path = env_path(envp);
    int saw_eacces = 0;
    result = ENOENT;
    for (const char *dir = path;; dir++) {
      const char *end = strchr(dir, ':');
      size_t dir_len = end ? (size_t)(end - dir) : strlen(dir);
      char candidate[PATH_MAX];
      int n = dir_len ? snprintf(candidate, sizeof candidate, "%.*s/%s", (int)dir_len, dir, file)
                      : snprintf(candidate, sizeof candidate, "%s", file);
      /* Skip missing entries without a clone; spawn the rest and let exec decide. */
      if (n > 0 && (size_t)n < sizeof candidate && access(candidate, F_OK) == 0) {
        int r = posix_spawn(pid, candidate, &actions, &attr, argv, envp);
        if (r == 0) {
          result = 0;
          break;
        }
        if (r == EACCES) saw_eacces = 1;
        else if (r != ENOENT && r != ENOTDIR && r != ESTALE && r != ENODEV && r != ETIMEDOUT) {
          result = r;
          break;
        }
      }
      if (!end) break;
      dir = end;
    }
    if (result == ENOENT && saw_eacces) result = EACCES;
  }
  posix_spawn_file_actions_destroy(&actions);
  posix_spawnattr_destroy(&attr);
  return result;
}

/* fields[i] as a NUL-terminated string (the request's fields are copied with a NUL added). */
struct request {
  char **fields;
  int count;
};

static int parse_count(const char *s, long long *out) {
  char *end;
  errno = 0;
  long long v = strtoll(s, &end, 10);
  if (errno || end == s || *end || v < 0) return -1;
  *out = v;
  return 0;
}

/* argv (NULL-terminated, pointing into the request) and env (the remaining fields). */
static int split_argv_env(struct request *r, int argc_index, char ***argv, char ***envp) {
  long long argc;
  if (argc_index >= r->count || parse_count(r->fields[argc_index], &argc) || argc < 1 ||
      argc > r->count - argc_index - 1)
    return -1;
  int first = argc_index + 1;
  int env_count = r->count - first - (int)argc;
  *argv = xrealloc(NULL, sizeof(char *) * (size_t)(argc + 1));
  *envp = xrealloc(NULL, sizeof(char *) * (size_t)(env_count + 1));
  for (int i = 0; i < argc; i++) (*argv)[i] = r->fields[first + i];
  (*argv)[argc] = NULL;
  for (int i = 0; i < env_count; i++) (*envp)[i] = r->fields[first + argc + i];
  (*envp)[env_count] = NULL;
  return 0;
}

/* Watches a started child as a command: its output (the read ends of its pipes), its exit, its timeout. */
static void collect_child(const char *id, pid_t pid, int out_fd, int err_fd, size_t max_output, long long timeout_ms,
                          long long grace_ms) {
  struct job *job = new_job(COLLECT, id);
  job->pid = pid;
  job->out_fd = out_fd;
  job->err_fd = err_fd;
  job->max_output = max_output;
  job->kill_at = now_ms() + timeout_ms;
  job->grace_ms = grace_ms;
}

static void start_collect(struct request *r) {
  const char *id = r->fields[1];
  long long timeout_ms, max_output, grace_ms;
  char **argv = NULL, **envp = NULL;
  if (r->count < 7 || parse_count(r->fields[3], &timeout_ms) || parse_count(r->fields[4], &max_output) ||
      parse_count(r->fields[5], &grace_ms) || split_argv_env(r, 6, &argv, &envp)) {
    answer_error(id, "hale-spawner: malformed collect request");
    return;
  }
  const char *file = r->fields[2];
  int out_pipe[2] = {-1, -1}, err_pipe[2] = {-1, -1};
  char message[PATH_MAX + 64];
  int err = 0;
  pid_t pid;
  if (pipe2(out_pipe, O_CLOEXEC) || pipe2(err_pipe, O_CLOEXEC)) err = errno;
  else err = spawn_child(&pid, file, argv, envp, NULL, out_pipe[1], err_pipe[1]);
  free(argv);
  free(envp);
  close_fd(&out_pipe[1]);
  close_fd(&err_pipe[1]);
  if (err) {
    close_fd(&out_pipe[0]);
    close_fd(&err_pipe[0]);
    spawn_error_text(message, sizeof message, file, err);
    answer_error(id, message);
    return;
  }
  collect_child(id, pid, out_pipe[0], err_pipe[0], (size_t)max_output, timeout_ms, grace_ms);
}

/* A collect job for a child that runs attach_pod_network() or detach_pod_network() and exits. */
static void start_network_change(struct request *r, int attach) {
  const char *id = r->fields[1];
  long long timeout_ms;
  if (r->count != (attach ? 8 : 5) || parse_count(r->fields[2], &timeout_ms)) {
    answer_error(id, "hale-spawner: malformed pod network request");
    return;
  }
  int out_pipe[2] = {-1, -1}, err_pipe[2] = {-1, -1};
  pid_t pid = -1;
  int err = 0;
  if (pipe2(out_pipe, O_CLOEXEC) || pipe2(err_pipe, O_CLOEXEC)) err = errno;
  else if ((pid = fork()) < 0) err = errno;
  if (pid == 0) {
    /* Its own process group, so that a timeout kills it as it kills commands. */
    setsid();
    dup2(out_pipe[1], STDOUT_FILENO);
    dup2(err_pipe[1], STDERR_FILENO);
    _exit(attach ? attach_pod_network(r->fields[3], r->fields[4], r->fields[5], r->fields[6], r->fields[7])
                 : detach_pod_network(r->fields[3], r->fields[4]));
  }
  close_fd(&out_pipe[1]);
  close_fd(&err_pipe[1]);
  if (err) {
    close_fd(&out_pipe[0]);
    close_fd(&err_pipe[0]);
    char message[128];
    snprintf(message, sizeof message, "hale-spawner: cannot fork for a pod network change: %s", strerror(err));
    answer_error(id, message);
    return;
  }
  /* The pipes close at its exit: nothing else holds them. */
  collect_child(id, pid, out_pipe[0], err_pipe[0], 4096, timeout_ms, 1000);
}

static void start_shim(struct request *r) {
  const char *id = r->fields[1];
  char **argv = NULL, **envp = NULL;
  if (r->count < 6 || split_argv_env(r, 5, &argv, &envp)) {
    answer_error(id, "hale-spawner: malformed shim request");
    return;
  }
  const char *file = r->fields[2], *cwd = r->fields[3], *stderr_path = r->fields[4];
  char message[2 * PATH_MAX + 64];
  int stderr_fd = open(stderr_path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0600);
  if (stderr_fd < 0) {
    int err = errno;
    const char *name = errno_name(err);
    char reason[256];
    snprintf(reason, sizeof reason, "%s", strerror(err));
    if (reason[0] >= 'A' && reason[0] <= 'Z') reason[0] += 'a' - 'A';
    snprintf(message, sizeof message, "%s: %s, open '%s'", name ? name : "EIO", reason, stderr_path);
    free(argv);
    free(envp);
    answer_error(id, message);
    return;
  }
  int out_pipe[2] = {-1, -1};
  int err = 0;
  pid_t pid;
  if (pipe2(out_pipe, O_CLOEXEC)) err = errno;
  else err = spawn_child(&pid, file, argv, envp, cwd, out_pipe[1], stderr_fd);
  free(argv);
  free(envp);
  close(stderr_fd);
  close_fd(&out_pipe[1]);
  if (err) {
    close_fd(&out_pipe[0]);
    spawn_error_text(message, sizeof message, file, err);
    answer_error(id, message);
    return;
  }
  struct job *job = new_job(SHIM, id);
  job->pid = pid;
  job->out_fd = out_pipe[0];
}

/* ---- a shim's status line ---- */

static void answer_shim_started(struct job *job, int has_line) {
  char pid[24];
  snprintf(pid, sizeof pid, "%d", (int)job->pid);
  size_t line_len = 0;
  if (has_line) {
    char *newline = memchr(job->out.data, '\n', job->out.len);
    line_len = newline ? (size_t)(newline - job->out.data) : job->out.len;
  }
  struct field f[] = {STR("p"), STR(job->id), STR(pid), STR(has_line ? "1" : "0"), {job->out.data, line_len}};
  answer(f, 5);
  job->answered = 1;
  /* Stop reading: the shim closes its stdout after the line anyway. */
  close_fd(&job->out_fd);
  buf_free(&job->out);
}

static void read_shim_stdout(struct job *job) {
  char chunk[MAX_STATUS_LINE];
  ssize_t n = read(job->out_fd, chunk, sizeof chunk);
  if (n < 0 && errno == EINTR) return;
  if (n <= 0) {
    answer_shim_started(job, 0);
    return;
  }
  buf_append(&job->out, chunk, (size_t)n);
  if (memchr(job->out.data, '\n', job->out.len) || job->out.len >= MAX_STATUS_LINE) answer_shim_started(job, 1);
}

/* ---- collect: output, exit, timeout ---- */

static void read_output(int *fd, struct buf *kept, size_t max_output) {
  char chunk[READ_CHUNK];
  ssize_t n = read(*fd, chunk, sizeof chunk);
  if (n < 0 && errno == EINTR) return;
  if (n <= 0) {
    close_fd(fd);
    return;
  }
  size_t room = kept->len < max_output ? max_output - kept->len : 0;
  buf_append(kept, chunk, (size_t)n < room ? (size_t)n : room);
}

static void answer_collected(struct job *job) {
  char code[16];
  snprintf(code, sizeof code, "%d", job->exit_code);
  struct field f[] = {STR("r"), STR(job->id), STR(code), STR(job->timed_out ? "1" : "0"),
                      {job->out.data ? job->out.data : "", job->out.len},
                      {job->err.data ? job->err.data : "", job->err.len}};
  answer(f, 6);
  free_job(job);
}

static void reap_children(void) {
  for (;;) {
    int status;
    pid_t pid = waitpid(-1, &status, WNOHANG);
    if (pid <= 0) return;
    struct job *job = jobs;
    while (job && job->pid != pid) job = job->next;
    if (!job) continue;
    job->reaped = 1;
    if (job->kind == SHIM) {
      struct field f[] = {STR("x"), STR(job->id)};
      answer(f, 2);
      if (job->answered) free_job(job);
      continue;
    }
    job->exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
    job->grace_end = now_ms() + job->grace_ms;
  }
}

/* Timeouts and finished collects; answers the earliest deadline still ahead (-1: none). */
static long long check_deadlines(void) {
  long long now = now_ms(), next = -1;
  struct job *job = jobs;
  while (job) {
    struct job *following = job->next;
    if (job->kind == COLLECT) {
      if (!job->timed_out && now >= job->kill_at) {
        job->timed_out = 1;
        kill(-job->pid, SIGKILL);
      }
      if (job->reaped && ((job->out_fd < 0 && job->err_fd < 0) || now >= job->grace_end)) {
        answer_collected(job);
      } else {
        long long deadline = job->timed_out ? -1 : job->kill_at;
        if (job->reaped && (deadline < 0 || job->grace_end < deadline)) deadline = job->grace_end;
        if (deadline >= 0 && (next < 0 || deadline < next)) next = deadline;
      }
    }
    job = following;
  }
  return next;
}

/* ---- requests ---- */

static struct buf in_buf;

static uint32_t get_u32(const char *p) {
  const unsigned char *u = (const unsigned char *)p;
  return (uint32_t)u[0] | (uint32_t)u[1] << 8 | (uint32_t)u[2] << 16 | (uint32_t)u[3] << 24;
}

static void protocol_error(const char *what) {
  fprintf(stderr, "hale-spawner: protocol error: %s\n", what);
  exit(2);
}

static void handle_record(const char *body, uint32_t size) {
  struct request r = {NULL, 0};
  int cap = 0;
  for (uint32_t at = 0; at < size;) {
    if (size - at < 4) protocol_error("truncated field length");
    uint32_t len = get_u32(body + at);
    at += 4;
    if (len > size - at) protocol_error("field longer than its record");
    if (r.count == cap) {
      cap = cap ? cap * 2 : 16;
      r.fields = xrealloc(r.fields, sizeof(char *) * (size_t)cap);
    }
    char *field = xrealloc(NULL, (size_t)len + 1);
    memcpy(field, body + at, len);
    field[len] = '\0';
    r.fields[r.count++] = field;
    at += len;
  }
  if (r.count < 2) protocol_error("a request needs a kind and an id");
  if (strcmp(r.fields[0], "c") == 0) start_collect(&r);
  else if (strcmp(r.fields[0], "s") == 0) start_shim(&r);
  else if (strcmp(r.fields[0], "n") == 0) start_network_change(&r, 1);
  else if (strcmp(r.fields[0], "N") == 0) start_network_change(&r, 0);
  else answer_error(r.fields[1], "hale-spawner: unknown request kind");
  for (int i = 0; i < r.count; i++) free(r.fields[i]);
  free(r.fields);
}

/* Reads what stdin has; answers 0 at EOF. */
static int read_requests(void) {
  char chunk[READ_CHUNK];
  ssize_t n = read(STDIN_FILENO, chunk, sizeof chunk);
  if (n < 0 && (errno == EINTR || errno == EAGAIN)) return 1;
  if (n <= 0) return 0;
  buf_append(&in_buf, chunk, (size_t)n);
  size_t at = 0;
  while (in_buf.len - at >= 4) {
    uint32_t size = get_u32(in_buf.data + at);
    if (size > MAX_RECORD) protocol_error("record too large");
    if (in_buf.len - at - 4 < size) break;
    handle_record(in_buf.data + at + 4, size);
    at += 4 + size;
  }
  buf_consume(&in_buf, at);
  return 1;
}

/* ---- the loop ---- */

/* Descriptors someone let us inherit without close-on-exec must not reach our children. */
static void set_cloexec_on_inherited_fds(void) {
  DIR *dir = opendir("/proc/self/fd");
  if (!dir) return;
  struct dirent *entry;
  while ((entry = readdir(dir))) {
    int fd = atoi(entry->d_name);
    if (fd > STDERR_FILENO && fd != dirfd(dir)) fcntl(fd, F_SETFD, FD_CLOEXEC);
  }
  closedir(dir);
}

int main(void) {
  set_cloexec_on_inherited_fds();
  /* SIGCHLD through a descriptor; SIGPIPE as EPIPE. Terminal signals (Ctrl-C reaches the whole
     process group) are Node's to handle: we exit when it closes our stdin. */
  sigset_t chld;
  sigemptyset(&chld);
  sigaddset(&chld, SIGCHLD);
  sigprocmask(SIG_BLOCK, &chld, NULL);
  int sig_fd = signalfd(-1, &chld, SFD_CLOEXEC | SFD_NONBLOCK);
  if (sig_fd < 0) {
    perror("hale-spawner: signalfd");
    return 1;
  }
  signal(SIGPIPE, SIG_IGN);
  signal(SIGINT, SIG_IGN);
  signal(SIGHUP, SIG_IGN);
  fcntl(STDOUT_FILENO, F_SETFL, fcntl(STDOUT_FILENO, F_GETFL) | O_NONBLOCK);

  struct pollfd *fds = NULL;
  struct job **owners = NULL;
  size_t fds_cap = 0;
  for (;;) {
    long long next = check_deadlines();
    flush_answers();
    if (stdout_broken) return 0;

    size_t needed = 3;
    for (struct job *job = jobs; job; job = job->next) needed += 2;
    if (needed > fds_cap) {
      fds_cap = needed * 2;
      fds = xrealloc(fds, sizeof *fds * fds_cap);
      owners = xrealloc(owners, sizeof *owners * fds_cap);
    }
    size_t count = 0;
    fds[count++] = (struct pollfd){STDIN_FILENO, POLLIN, 0};
    fds[count++] = (struct pollfd){sig_fd, POLLIN, 0};
    fds[count++] = (struct pollfd){out_buf.len ? STDOUT_FILENO : -1, POLLOUT, 0};
    for (struct job *job = jobs; job; job = job->next) {
      if (job->out_fd >= 0) owners[count] = job, fds[count++] = (struct pollfd){job->out_fd, POLLIN, 0};
      if (job->err_fd >= 0) owners[count] = job, fds[count++] = (struct pollfd){job->err_fd, POLLIN, 0};
    }
    int timeout = -1;
    if (next >= 0) {
      long long wait = next - now_ms();
      timeout = wait < 0 ? 0 : wait > INT_MAX ? INT_MAX : (int)wait;
    }
    if (poll(fds, count, timeout) < 0) {
      if (errno == EINTR) continue;
      perror("hale-spawner: poll");
      return 1;
    }
    if (fds[1].revents) {
      struct signalfd_siginfo info;
      while (read(sig_fd, &info, sizeof info) > 0) {
      }
      reap_children();
    }
    /* Job fds before new requests: a request may free or add jobs. */
    for (size_t i = 3; i < count; i++) {
      if (!fds[i].revents) continue;
      struct job *job = owners[i];
      if (job->kind == SHIM) {
        if (job->out_fd == fds[i].fd) read_shim_stdout(job);
        if (job->answered && job->reaped) {
          /* The exit was answered already; nothing is left of this job. Later entries may
             point at it, so drop them. */
          for (size_t j = i + 1; j < count; j++)
            if (owners[j] == job) fds[j].revents = 0;
          free_job(job);
        }
      } else if (job->out_fd == fds[i].fd) {
        read_output(&job->out_fd, &job->out, job->max_output);
      } else if (job->err_fd == fds[i].fd) {
        read_output(&job->err_fd, &job->err, job->max_output);
      }
    }
    if (fds[0].revents && !read_requests()) return 0;
  }
}
