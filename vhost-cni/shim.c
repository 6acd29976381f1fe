/* vhost-cni: the CNI binary runtimes exec. It forwards the call (every CNI_* variable and stdin)
 * to the pktbridge daemon over a unix socket and prints the daemon's reply with its exit code.
 * No dependencies, bounded timeouts, and stdout only ever carries JSON (see docs/cni.md, "Shim").
 *
 * Wire protocol v1 (all integers unsigned 32-bit big-endian):
 *   request: "PBC1" | env count | (length | "KEY=VALUE")* | stdin length | stdin bytes
 *   reply:   "PBC1" | exit code | stdout length | stdout bytes
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

extern char **environ;

#define DEFAULT_SOCKET "/run/pktbridge/cni.sock"
#define MAX_STDIN (4u << 20)
#define MAX_REPLY (4u << 20)
#define CONNECT_TIMEOUT_MS 3000
/* An ADD delegates to IPAM and creates ports: generous, but bounded (VHOST_CNI_TIMEOUT_MS overrides). */
#define CALL_TIMEOUT_MS 90000
#define STDIN_TIMEOUT_MS 10000

static const char *SUPPORTED = "[\"0.3.0\",\"0.3.1\",\"0.4.0\",\"1.0.0\",\"1.1.0\"]";

struct buf {
  char *data;
  size_t len, cap;
};

static int buf_reserve(struct buf *b, size_t extra) {
  if (b->len + extra <= b->cap) return 0;
  size_t cap = b->cap ? b->cap : 4096;
  while (cap < b->len + extra) cap *= 2;
  char *data = realloc(b->data, cap);
  if (!data) return -1;
  b->data = data;
  b->cap = cap;
  return 0;
}

static int buf_put(struct buf *b, const void *src, size_t n) {
  if (buf_reserve(b, n)) return -1;
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

/* Waits for `events` on fd until the absolute deadline; 0 when ready, -1 on timeout or error. */
static int wait_fd(int fd, short events, long long deadline) {
  for (;;) {
    long long left = deadline - now_ms();
    if (left <= 0) return -1;
    struct pollfd p = {.fd = fd, .events = events};
    int r = poll(&p, 1, (int)left);
    if (r > 0) return 0;
    if (r < 0 && errno != EINTR) return -1;
  }
}

/* ---- the two netconf keys the shim needs: a scan of top-level string values ---- */

/* Copies the JSON string starting after the opening quote at s[*i] into out (basic escapes). */
static void scan_string(const char *s, size_t len, size_t *i, char *out, size_t outcap) {
  size_t o = 0;
  while (*i < len && s[*i] != '"') {
    char c = s[(*i)++];
    if (c == '\\' && *i < len) {
      c = s[(*i)++];
      if (c == 'n') c = '\n';
      else if (c == 't') c = '\t';
      else if (c == 'u') c = '?', *i += 4; /* \uXXXX is never needed in a path or a version */
    }
    if (out && o + 1 < outcap) out[o++] = c;
  }
  if (out) out[o] = 0;
  (*i)++; /* the closing quote */
}

/* Finds a top-level key whose value is a string; returns 1 and fills out when found. */
static int find_top_level_string(const char *s, size_t len, const char *key, char *out, size_t outcap) {
  int depth = 0;
  char token[64];
  size_t i = 0;
  while (i < len) {
    char c = s[i];
    if (c == '{' || c == '[') depth++, i++;
    else if (c == '}' || c == ']') depth--, i++;
    else if (c == '"') {
      i++;
      scan_string(s, len, &i, token, sizeof token);
      size_t j = i;
      while (j < len && (s[j] == ' ' || s[j] == '\t' || s[j] == '\n' || s[j] == '\r')) j++;
      if (depth != 1 || j >= len || s[j] != ':' || strcmp(token, key) != 0) continue;
      j++;
      while (j < len && (s[j] == ' ' || s[j] == '\t' || s[j] == '\n' || s[j] == '\r')) j++;
      if (j >= len || s[j] != '"') return 0;
      j++;
      scan_string(s, len, &j, out, outcap);
      return 1;
    } else i++;
  }
  return 0;
}

/* ---- replies produced by the shim itself ---- */

static char cni_version[16] = "1.0.0";

static int is_supported(const char *v) {
  return !strcmp(v, "0.3.0") || !strcmp(v, "0.3.1") || !strcmp(v, "0.4.0") || !strcmp(v, "1.0.0") ||
         !strcmp(v, "1.1.0");
}

/* Prints a CNI error object (msg and details must not need escaping beyond quotes) and exits 1. */
static void fail(int code, const char *msg, const char *fmt, ...) {
  char details[512];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(details, sizeof details, fmt, ap);
  va_end(ap);
  for (char *p = details; *p; p++)
    if (*p == '"' || *p == '\\' || (unsigned char)*p < 0x20) *p = '\'';
  printf("{\"cniVersion\":\"%s\",\"code\":%d,\"msg\":\"%s\",\"details\":\"%s\"}\n", cni_version, code, msg,
         details);
  fflush(stdout);
  exit(1);
}

static void unreachable(const char *command, const char *fmt, const char *socket_path, int err) {
  char details[384];
  snprintf(details, sizeof details, fmt, socket_path);
  if (command && !strcmp(command, "STATUS"))
    fail(50, "plugin not available: the pktbridge daemon is not reachable", "%s: %s", details, strerror(err));
  fail(11, "try again later: the pktbridge daemon is not reachable", "%s: %s", details, strerror(err));
}

/* ---- I/O with deadlines ---- */

static int read_stdin(struct buf *in) {
  long long deadline = now_ms() + STDIN_TIMEOUT_MS;
  int flags = fcntl(0, F_GETFL);
  if (flags >= 0) fcntl(0, F_SETFL, flags | O_NONBLOCK);
  for (;;) {
    if (buf_reserve(in, 65536)) return -1;
    ssize_t n = read(0, in->data + in->len, in->cap - in->len);
    if (n == 0) break;
    if (n > 0) {
      in->len += (size_t)n;
      if (in->len > MAX_STDIN) return -1;
      continue;
    }
    if (errno == EINTR) continue;
    if (errno != EAGAIN) return errno == EBADF ? 0 : -1;
    if (wait_fd(0, POLLIN, deadline)) return -1;
  }
  if (flags >= 0) fcntl(0, F_SETFL, flags);
  return 0;
}

static int write_all(int fd, const char *p, size_t n, long long deadline) {
  while (n) {
    ssize_t w = send(fd, p, n, MSG_NOSIGNAL | MSG_DONTWAIT);
    if (w > 0) {
      p += w, n -= (size_t)w;
      continue;
    }
    if (w < 0 && errno == EINTR) continue;
    if (w < 0 && errno != EAGAIN) return -1;
    if (wait_fd(fd, POLLOUT, deadline)) return -1;
  }
  return 0;
}

static int read_exact(int fd, char *p, size_t n, long long deadline) {
  while (n) {
    ssize_t r = recv(fd, p, n, MSG_DONTWAIT);
    if (r > 0) {
      p += r, n -= (size_t)r;
      continue;
    }
    if (r == 0) return -1;
    if (errno == EINTR) continue;
    if (errno != EAGAIN) return -1;
    if (wait_fd(fd, POLLIN, deadline)) return -1;
  }
  return 0;
}

static uint32_t be32(const char *p) {
  const unsigned char *u = (const unsigned char *)p;
  return (uint32_t)u[0] << 24 | (uint32_t)u[1] << 16 | (uint32_t)u[2] << 8 | u[3];
}

static int connect_daemon(const char *path, long long deadline) {
  struct sockaddr_un addr = {.sun_family = AF_UNIX};
  if (strlen(path) >= sizeof addr.sun_path) {
    errno = ENAMETOOLONG;
    return -1;
  }
  strcpy(addr.sun_path, path);
  int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
  if (fd < 0) return -1;
  if (connect(fd, (struct sockaddr *)&addr, sizeof addr) == 0) return fd;
  if (errno != EINPROGRESS && errno != EAGAIN) {
    int err = errno;
    close(fd);
    errno = err;
    return -1;
  }
  int soerr = 0;
  socklen_t len = sizeof soerr;
  if (wait_fd(fd, POLLOUT, deadline) || getsockopt(fd, SOL_SOCKET, SO_ERROR, &soerr, &len) || soerr) {
    close(fd);
    errno = soerr ? soerr : ETIMEDOUT;
    return -1;
  }
  return fd;
}

int main(void) {
  const char *command = getenv("CNI_COMMAND");
  struct buf in = {0}, req = {0};
  if (read_stdin(&in)) fail(5, "I/O failure", "could not read the network configuration from stdin");
  char version[16], socket_path[256] = DEFAULT_SOCKET;
  if (find_top_level_string(in.data ? in.data : "", in.len, "cniVersion", version, sizeof version) &&
      is_supported(version))
    strcpy(cni_version, version);
  find_top_level_string(in.data ? in.data : "", in.len, "daemonSocket", socket_path, sizeof socket_path);

  if (!command || !*command) fail(4, "invalid environment", "CNI_COMMAND is not set");
  if (!strcmp(command, "VERSION")) {
    printf("{\"cniVersion\":\"%s\",\"supportedVersions\":%s}\n", cni_version, SUPPORTED);
    return 0;
  }

  uint32_t count = 0;
  for (char **e = environ; *e; e++) count += strncmp(*e, "CNI_", 4) == 0;
  if (buf_put(&req, "PBC1", 4) || buf_put_u32(&req, count)) fail(5, "I/O failure", "out of memory");
  for (char **e = environ; *e; e++) {
    if (strncmp(*e, "CNI_", 4)) continue;
    size_t n = strlen(*e);
    if (buf_put_u32(&req, (uint32_t)n) || buf_put(&req, *e, n)) fail(5, "I/O failure", "out of memory");
  }
  if (buf_put_u32(&req, (uint32_t)in.len) || buf_put(&req, in.data, in.len))
    fail(5, "I/O failure", "out of memory");

  long long call_timeout = CALL_TIMEOUT_MS;
  const char *override = getenv("VHOST_CNI_TIMEOUT_MS");
  if (override && atoll(override) >= 100 && atoll(override) <= 600000) call_timeout = atoll(override);
  long long start = now_ms();
  int fd = connect_daemon(socket_path, start + (call_timeout < CONNECT_TIMEOUT_MS ? call_timeout : CONNECT_TIMEOUT_MS));
  if (fd < 0) unreachable(command, "cannot connect to %s", socket_path, errno);
  long long deadline = start + call_timeout;
  if (write_all(fd, req.data, req.len, deadline)) unreachable(command, "cannot send to %s", socket_path, errno);
  shutdown(fd, SHUT_WR);

  char header[12];
  if (read_exact(fd, header, sizeof header, deadline))
    unreachable(command, "no reply from %s", socket_path, errno ? errno : ETIMEDOUT);
  uint32_t exit_code = be32(header + 4), out_len = be32(header + 8);
  if (memcmp(header, "PBC1", 4) || out_len > MAX_REPLY)
    fail(11, "try again later: malformed reply from the pktbridge daemon", "from %s", socket_path);
  char *out = malloc(out_len + 1);
  if (!out) fail(5, "I/O failure", "out of memory");
  if (read_exact(fd, out, out_len, deadline))
    unreachable(command, "truncated reply from %s", socket_path, errno ? errno : ETIMEDOUT);
  close(fd);
  fwrite(out, 1, out_len, stdout);
  fflush(stdout);
  return exit_code > 255 ? 1 : (int)exit_code;
}
