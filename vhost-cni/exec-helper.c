/* vhost-cni-exec: a tiny exec server the daemon starts once and asks to run IPAM plugins.
 * Why: fork() copies the page tables of the forking process, so a spawn from the daemon (DPDK memory
 * mapped, hundreds of MB) costs ~10 ms; a fork from this process costs well under one.
 * Usage: vhost-cni-exec SOCKET_PATH. One connection per exec; each is served by its own child.
 *
 * Protocol (integers unsigned 32-bit big-endian):
 *   request: "PBX1" | timeout ms | path length | path | env count | (length | "KEY=VALUE")* |
 *            stdin length | stdin
 *   reply:   "PBX1" | status | stdout length | stdout | stderr length | stderr
 *   status: the exit code; 128+N when killed by signal N; 1000 when exec failed; 1001 on timeout.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define MAX_FIELD (8u << 20)
#define MAX_OUTPUT (4u << 20)
#define MAX_ENV 4096
#define REQUEST_TIMEOUT_MS 10000
#define STATUS_EXEC_FAILED 1000
#define STATUS_TIMEOUT 1001

struct buf {
  char *data;
  size_t len, cap;
};

static int buf_put(struct buf *b, const void *src, size_t n) {
  if (b->len + n > b->cap) {
    size_t cap = b->cap ? b->cap : 4096;
    while (cap < b->len + n) cap *= 2;
    char *data = realloc(b->data, cap);
    if (!data) return -1;
    b->data = data, b->cap = cap;
  }
  memcpy(b->data + b->len, src, n);
  b->len += n;
  return 0;
}

static int buf_put_u32(struct buf *b, uint32_t v) {
  unsigned char be[4] = {v >> 24, v >> 16, v >> 8, v};
  return buf_put(b, be, 4);
}

static long long now_ms(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static int read_exact(int fd, void *dst, size_t n, long long deadline) {
  char *p = dst;
  while (n) {
    struct pollfd pfd = {.fd = fd, .events = POLLIN};
    long long left = deadline - now_ms();
    if (left <= 0 || poll(&pfd, 1, (int)left) <= 0) return -1;
    ssize_t r = read(fd, p, n);
    if (r <= 0) {
      if (r < 0 && errno == EINTR) continue;
      return -1;
    }
    p += r, n -= (size_t)r;
  }
  return 0;
}

static int read_u32(int fd, uint32_t *v, long long deadline) {
  unsigned char be[4];
  if (read_exact(fd, be, 4, deadline)) return -1;
  *v = (uint32_t)be[0] << 24 | (uint32_t)be[1] << 16 | (uint32_t)be[2] << 8 | be[3];
  return 0;
}

/* Reads a length-prefixed field as a NUL-terminated string. */
static char *read_field(int fd, uint32_t *len, long long deadline) {
  if (read_u32(fd, len, deadline) || *len > MAX_FIELD) return NULL;
  char *s = malloc(*len + 1);
  if (!s || read_exact(fd, s, *len, deadline)) return free(s), NULL;
  s[*len] = 0;
  return s;
}

static void write_all(int fd, const char *p, size_t n) {
  while (n) {
    ssize_t w = write(fd, p, n);
    if (w < 0 && errno == EINTR) continue;
    if (w <= 0) return;
    p += w, n -= (size_t)w;
  }
}

/* Runs the plugin, feeding stdin and collecting stdout/stderr together (no pipe deadlock). */
static uint32_t run_plugin(const char *path, char **envp, const char *in, size_t in_len, uint32_t timeout_ms,
                           struct buf *out, struct buf *err) {
  int pin[2], pout[2], perr[2];
  if (pipe2(pin, O_CLOEXEC) || pipe2(pout, O_CLOEXEC) || pipe2(perr, O_CLOEXEC)) return STATUS_EXEC_FAILED;
  pid_t pid = fork();
  if (pid < 0) return STATUS_EXEC_FAILED;
  if (pid == 0) {
    dup2(pin[0], 0), dup2(pout[1], 1), dup2(perr[1], 2);
    char *argv[] = {(char *)path, NULL};
    execve(path, argv, envp);
    dprintf(2, "exec %s: %s", path, strerror(errno));
    _exit(127);
  }
  close(pin[0]), close(pout[1]), close(perr[1]);
  fcntl(pin[1], F_SETFL, O_NONBLOCK);
  size_t written = 0;
  int fds[3] = {pin[1], pout[0], perr[0]};
  if (in_len == 0) close(fds[0]), fds[0] = -1;
  long long deadline = now_ms() + timeout_ms;
  int timed_out = 0;
  while (fds[1] >= 0 || fds[2] >= 0) {
    struct pollfd p[3] = {{fds[0], POLLOUT, 0}, {fds[1], POLLIN, 0}, {fds[2], POLLIN, 0}};
    long long left = deadline - now_ms();
    if (left <= 0) {
      timed_out = 1;
      kill(pid, SIGKILL);
      break;
    }
    if (poll(p, 3, (int)left) < 0) {
      if (errno == EINTR) continue;
      break;
    }
    if (fds[0] >= 0 && p[0].revents) {
      ssize_t w = write(fds[0], in + written, in_len - written);
      if (w > 0) written += (size_t)w;
      if (w < 0 && errno != EAGAIN && errno != EINTR) written = in_len;
      if (written == in_len) close(fds[0]), fds[0] = -1;
    }
    for (int i = 1; i < 3; i++) {
      if (fds[i] < 0 || !p[i].revents) continue;
      char chunk[65536];
      ssize_t r = read(fds[i], chunk, sizeof chunk);
      struct buf *dst = i == 1 ? out : err;
      if (r > 0 && dst->len + (size_t)r <= MAX_OUTPUT) buf_put(dst, chunk, (size_t)r);
      if (r == 0 || (r < 0 && errno != EAGAIN && errno != EINTR)) close(fds[i]), fds[i] = -1;
    }
  }
  for (int i = 0; i < 3; i++)
    if (fds[i] >= 0) close(fds[i]);
  int status = 0;
  while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  if (timed_out) return STATUS_TIMEOUT;
  if (WIFSIGNALED(status)) return 128 + (uint32_t)WTERMSIG(status);
  if (WIFEXITED(status) && WEXITSTATUS(status) == 127 && err->len > 5 && !memcmp(err->data, "exec ", 5))
    return STATUS_EXEC_FAILED;
  return (uint32_t)WEXITSTATUS(status);
}

static void serve(int fd) {
  long long deadline = now_ms() + REQUEST_TIMEOUT_MS;
  char magic[4];
  uint32_t timeout_ms, len, count;
  if (read_exact(fd, magic, 4, deadline) || memcmp(magic, "PBX1", 4) || read_u32(fd, &timeout_ms, deadline)) return;
  char *path = read_field(fd, &len, deadline);
  if (!path || read_u32(fd, &count, deadline) || count > MAX_ENV) return;
  char **envp = calloc(count + 1, sizeof *envp);
  if (!envp) return;
  for (uint32_t i = 0; i < count; i++)
    if (!(envp[i] = read_field(fd, &len, deadline))) return;
  uint32_t in_len;
  char *in = read_field(fd, &in_len, deadline);
  if (!in) return;
  struct buf out = {0}, err = {0}, reply = {0};
  uint32_t status = run_plugin(path, envp, in, in_len, timeout_ms, &out, &err);
  if (buf_put(&reply, "PBX1", 4) || buf_put_u32(&reply, status) || buf_put_u32(&reply, (uint32_t)out.len) ||
      buf_put(&reply, out.data, out.len) || buf_put_u32(&reply, (uint32_t)err.len) ||
      buf_put(&reply, err.data, err.len))
    return;
  write_all(fd, reply.data, reply.len);
}

int main(int argc, char **argv) {
  if (argc != 2) {
    fprintf(stderr, "usage: %s SOCKET_PATH\n", argv[0]);
    return 2;
  }
  /* Dies with the daemon that started it. */
  prctl(PR_SET_PDEATHSIG, SIGTERM);
  if (getppid() == 1) return 1;
  struct sockaddr_un addr = {.sun_family = AF_UNIX};
  if (strlen(argv[1]) >= sizeof addr.sun_path) return 2;
  strcpy(addr.sun_path, argv[1]);
  unlink(argv[1]);
  int listener = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  mode_t old = umask(0077);
  if (listener < 0 || bind(listener, (struct sockaddr *)&addr, sizeof addr) || listen(listener, 256)) {
    perror("vhost-cni-exec: listen");
    return 1;
  }
  umask(old);
  signal(SIGCHLD, SIG_IGN); /* connection children are reaped by the kernel */
  signal(SIGPIPE, SIG_IGN);
  printf("ready\n");
  fflush(stdout);
  for (;;) {
    int fd = accept4(listener, NULL, NULL, SOCK_CLOEXEC);
    if (fd < 0) {
      if (errno == EINTR || errno == ECONNABORTED) continue;
      perror("vhost-cni-exec: accept");
      return 1;
    }
    pid_t pid = fork();
    if (pid == 0) {
      close(listener);
      signal(SIGCHLD, SIG_DFL); /* this child waits for its plugin */
      serve(fd);
      _exit(0);
    }
    close(fd);
  }
}
