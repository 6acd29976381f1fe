// memif control-channel relay: one epoll thread for every memif port. See memif_relay.h for why.
#include "memif_relay.h"

#include <fcntl.h>
#include <sched.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstddef>
#include <cstring>
#include <deque>
#include <future>
#include <map>
#include <memory>
#include <mutex>
#include <thread>

#include "common.h"
#include "runtime.h"

namespace pb {

namespace {

// memif control message types (memif.h); every message is one 128-byte SEQPACKET record.
constexpr uint16_t kMsgAddRegion = 4;
constexpr uint16_t kMsgConnected = 7;
constexpr size_t kMsgSize = 128;
constexpr int kMaxFds = 4;

enum End : uint64_t { kListener = 0, kPod = 1, kPmd = 2 };

struct RelayPort {
  MemifRelaySpec spec;
  std::function<void()> on_client_lost;
  int listen_fd = -1;
  int pod_fd = -1;
  int pmd_fd = -1;
  bool connected = false;
  bool pod_pending = false;  // PMD client waits while the pod's server socket is not reachable yet
  std::chrono::steady_clock::time_point next_retry;
};

// Never destroyed: the relay thread may still run while a process exits without shutdown.
std::mutex& command_mutex = *new std::mutex();
std::deque<std::function<void()>>& commands = *new std::deque<std::function<void()>>();
std::thread& relay_thread = *new std::thread();
int epoll_fd = -1;
int wake_fd = -1;
bool stopping = false;
uint32_t next_key = 1;
std::map<uint32_t, std::unique_ptr<RelayPort>>& relay_ports = *new std::map<uint32_t, std::unique_ptr<RelayPort>>();

sockaddr_un unix_address(const std::string& path, bool abstract, socklen_t* len) {
  sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  if (path.size() >= sizeof(addr.sun_path) - (abstract ? 1 : 0)) {
    throw Error("INVALID_ARGUMENT", "socket path longer than 107 bytes: " + path);
  }
  if (abstract) {
    // The address length covers the name only (no padding, no NUL), as DPDK's memif does.
    std::memcpy(addr.sun_path + 1, path.data(), path.size());
    *len = static_cast<socklen_t>(offsetof(sockaddr_un, sun_path) + 1 + path.size());
  } else {
    std::memcpy(addr.sun_path, path.data(), path.size());
    *len = static_cast<socklen_t>(offsetof(sockaddr_un, sun_path) + path.size() + 1);
  }
  return addr;
}

int listen_on(const std::string& path, bool abstract, const std::string& netns) {
  socklen_t len;
  sockaddr_un addr = unix_address(path, abstract, &len);
  int fd = socket_in_netns(netns, SOCK_SEQPACKET | SOCK_CLOEXEC | SOCK_NONBLOCK);
  if (!abstract) {
    struct stat st;
    if (lstat(path.c_str(), &st) == 0 && S_ISSOCK(st.st_mode)) unlink(path.c_str());  // stale socket
  }
  if (bind(fd, reinterpret_cast<sockaddr*>(&addr), len) != 0 || listen(fd, 4) != 0) {
    int err = errno;
    close(fd);
    throw Error("SOCKET_FAILED", "cannot listen on " + path + ": " + std::strerror(err), err);
  }
  return fd;
}

int connect_to(const std::string& path, bool abstract, const std::string& netns) {
  socklen_t len;
  sockaddr_un addr = unix_address(path, abstract, &len);
  int fd = socket_in_netns(netns, SOCK_SEQPACKET | SOCK_CLOEXEC);
  if (connect(fd, reinterpret_cast<sockaddr*>(&addr), len) != 0) {
    close(fd);
    return -1;
  }
  fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK);
  return fd;
}

void watch(int fd, uint32_t key, End end) {
  epoll_event ev{};
  ev.events = EPOLLIN;
  ev.data.u64 = (static_cast<uint64_t>(key) << 2) | end;
  epoll_ctl(epoll_fd, EPOLL_CTL_ADD, fd, &ev);
}

void close_fd(int& fd) {
  if (fd < 0) return;
  epoll_ctl(epoll_fd, EPOLL_CTL_DEL, fd, nullptr);
  close(fd);
  fd = -1;
}

// Stops the workers touching the port and waits until no burst on it can still be running.
void gate(RelayPort& p) {
  if (!p.connected) return;
  if (p.spec.port_id != kNoPort) g_rt.may_poll[p.spec.port_id].store(false, std::memory_order_seq_cst);
  synchronize_workers();
  p.connected = false;
  emit_event("peer-disconnected", p.spec.port_name);
}

void teardown(RelayPort& p, bool pod_went_away) {
  gate(p);
  close_fd(p.pod_fd);
  p.pod_pending = false;
  if (!p.spec.pmd_is_server && pod_went_away && p.pmd_fd >= 0) {
    // A memif client PMD connects only in dev_start: keep its channel open so that its own
    // dev_stop (not the interrupt thread) disconnects it, then restart it.
    if (p.on_client_lost) p.on_client_lost();
    return;
  }
  close_fd(p.pmd_fd);
}

void try_connect_pod(RelayPort& p, uint32_t key) {
  p.pod_fd = connect_to(p.spec.pod_socket, p.spec.pod_abstract, p.spec.netns_path);
  if (p.pod_fd >= 0) {
    p.pod_pending = false;
    watch(p.pod_fd, key, kPod);
  } else {
    p.pod_pending = true;
    p.next_retry = std::chrono::steady_clock::now() + std::chrono::milliseconds(200);
  }
}

// A client-provided region must really be as large as it claims, or the PMD's mmap faults later.
bool region_fd_ok(const char* msg, int fd) {
  uint32_t size;
  std::memcpy(&size, msg + 4, sizeof(size));
  struct stat st;
  return fd >= 0 && fstat(fd, &st) == 0 && static_cast<uint64_t>(st.st_size) >= size;
}

void relay_message(RelayPort& p, bool from_pod) {
  char msg[kMsgSize * 2];
  char control[CMSG_SPACE(sizeof(int) * kMaxFds)];
  iovec iov{msg, sizeof(msg)};
  msghdr hdr{};
  hdr.msg_iov = &iov;
  hdr.msg_iovlen = 1;
  hdr.msg_control = control;
  hdr.msg_controllen = sizeof(control);
  const int src = from_pod ? p.pod_fd : p.pmd_fd;
  ssize_t n = recvmsg(src, &hdr, MSG_CMSG_CLOEXEC | MSG_DONTWAIT);
  if (n < 0 && (errno == EAGAIN || errno == EINTR)) return;
  int fds[kMaxFds];
  int nfds = 0;
  for (cmsghdr* c = CMSG_FIRSTHDR(&hdr); c != nullptr; c = CMSG_NXTHDR(&hdr, c)) {
    if (c->cmsg_level == SOL_SOCKET && c->cmsg_type == SCM_RIGHTS) {
      int count = static_cast<int>((c->cmsg_len - CMSG_LEN(0)) / sizeof(int));
      for (int i = 0; i < count && nfds < kMaxFds; i++) std::memcpy(&fds[nfds++], CMSG_DATA(c) + i * sizeof(int), sizeof(int));
    }
  }
  auto close_fds = [&] {
    for (int i = 0; i < nfds; i++) close(fds[i]);
  };
  if (n <= 0) {
    close_fds();
    teardown(p, from_pod);
    return;
  }
  uint16_t type = 0;
  std::memcpy(&type, msg, sizeof(type));
  // Anything from the pod while connected (DISCONNECT, or a bad message) makes the PMD disconnect.
  if (from_pod) gate(p);
  if (type == kMsgAddRegion && (nfds != 1 || !region_fd_ok(msg, fds[0]))) {
    close_fds();
    teardown(p, from_pod);
    return;
  }
  const int dst = from_pod ? p.pmd_fd : p.pod_fd;
  if (dst < 0) {
    close_fds();
    return;
  }
  iovec out_iov{msg, static_cast<size_t>(n)};
  msghdr out{};
  out.msg_iov = &out_iov;
  out.msg_iovlen = 1;
  char out_control[CMSG_SPACE(sizeof(int) * kMaxFds)];
  if (nfds > 0) {
    out.msg_control = out_control;
    out.msg_controllen = CMSG_SPACE(sizeof(int) * nfds);
    cmsghdr* c = CMSG_FIRSTHDR(&out);
    c->cmsg_level = SOL_SOCKET;
    c->cmsg_type = SCM_RIGHTS;
    c->cmsg_len = CMSG_LEN(sizeof(int) * nfds);
    std::memcpy(CMSG_DATA(c), fds, sizeof(int) * nfds);
  }
  const ssize_t sent = sendmsg(dst, &out, MSG_DONTWAIT | MSG_NOSIGNAL);
  close_fds();
  if (sent != n) {
    teardown(p, !from_pod);
    return;
  }
  if (type == kMsgConnected) {
    p.connected = true;
    if (p.spec.port_id != kNoPort) g_rt.may_poll[p.spec.port_id].store(true, std::memory_order_release);
    emit_event("peer-connected", p.spec.port_name);
  }
}

void on_accept(RelayPort& p, uint32_t key) {
  int fd = accept4(p.listen_fd, nullptr, nullptr, SOCK_NONBLOCK | SOCK_CLOEXEC);
  if (fd < 0) return;
  if (p.spec.pmd_is_server) {
    if (p.pod_fd >= 0) {
      close(fd);  // one peer per memif port
      return;
    }
    p.pod_fd = fd;
    p.pmd_fd = connect_to(p.spec.pmd_socket, false, "");
    if (p.pmd_fd < 0) {
      close_fd(p.pod_fd);
      return;
    }
    watch(p.pod_fd, key, kPod);
    watch(p.pmd_fd, key, kPmd);
  } else {
    // A client PMD connects again only after its restart: its previous channel is finished.
    if (p.pmd_fd >= 0) teardown(p, false);
    p.pmd_fd = fd;
    watch(p.pmd_fd, key, kPmd);
    try_connect_pod(p, key);
  }
}

void loop() {
  epoll_event events[16];
  for (;;) {
    int n = epoll_wait(epoll_fd, events, 16, 100);
    for (int i = 0; i < n; i++) {
      if (events[i].data.u64 == UINT64_MAX) {
        uint64_t count;
        (void)!read(wake_fd, &count, sizeof(count));
        continue;
      }
      auto it = relay_ports.find(static_cast<uint32_t>(events[i].data.u64 >> 2));
      if (it == relay_ports.end()) continue;
      RelayPort& p = *it->second;
      switch (events[i].data.u64 & 3) {
        case kListener: on_accept(p, it->first); break;
        case kPod: if (p.pod_fd >= 0) relay_message(p, true); break;
        case kPmd: if (p.pmd_fd >= 0) relay_message(p, false); break;
      }
    }
    const auto now = std::chrono::steady_clock::now();
    for (auto& [key, port] : relay_ports) {
      if (port->pod_pending && now >= port->next_retry) try_connect_pod(*port, key);
    }
    std::deque<std::function<void()>> pending;
    {
      std::lock_guard<std::mutex> lock(command_mutex);
      pending.swap(commands);
    }
    for (auto& command : pending) command();
    if (stopping) return;
  }
}

// Runs `fn` on the relay thread and waits for it; exceptions come back to the caller.
void run_on_relay(std::function<void()> fn) {
  if (!relay_thread.joinable()) {
    epoll_fd = epoll_create1(EPOLL_CLOEXEC);
    wake_fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
    epoll_event ev{};
    ev.events = EPOLLIN;
    ev.data.u64 = UINT64_MAX;
    epoll_ctl(epoll_fd, EPOLL_CTL_ADD, wake_fd, &ev);
    stopping = false;
    relay_thread = std::thread(loop);
  }
  auto done = std::make_shared<std::promise<void>>();
  std::future<void> result = done->get_future();
  {
    std::lock_guard<std::mutex> lock(command_mutex);
    commands.push_back([fn = std::move(fn), done] {
      try {
        fn();
        done->set_value();
      } catch (...) {
        done->set_exception(std::current_exception());
      }
    });
  }
  uint64_t one = 1;
  (void)!write(wake_fd, &one, sizeof(one));
  result.get();
}

}  // namespace

int socket_in_netns(const std::string& netns_path, int type) {
  if (netns_path.empty()) {
    int fd = socket(AF_UNIX, type, 0);
    if (fd < 0) throw Error("SOCKET_FAILED", std::string("socket: ") + std::strerror(errno), errno);
    return fd;
  }
  // setns applies to the calling thread only: do it on a short-lived thread so nothing else moves.
  int fd = -1;
  int err = 0;
  std::thread([&] {
    int ns = open(netns_path.c_str(), O_RDONLY | O_CLOEXEC);
    if (ns < 0 || setns(ns, CLONE_NEWNET) != 0) {
      err = errno;
    } else {
      fd = socket(AF_UNIX, type, 0);
      if (fd < 0) err = errno;
    }
    if (ns >= 0) close(ns);
  }).join();
  if (fd < 0) throw Error("SOCKET_FAILED", "socket in netns " + netns_path + ": " + std::strerror(err), err);
  return fd;
}

void relay_add(const MemifRelaySpec& spec, std::function<void()> on_client_lost) {
  run_on_relay([spec, on_client_lost] {
    auto port = std::make_unique<RelayPort>();
    port->spec = spec;
    port->on_client_lost = on_client_lost;
    port->listen_fd = spec.pmd_is_server ? listen_on(spec.pod_socket, spec.pod_abstract, spec.netns_path)
                                         : listen_on(spec.pmd_socket, false, "");
    const uint32_t key = next_key++;
    watch(port->listen_fd, key, kListener);
    relay_ports.emplace(key, std::move(port));
  });
}

void relay_bind_port(const std::string& port_name, uint16_t port_id) {
  run_on_relay([port_name, port_id] {
    for (auto& [key, port] : relay_ports) {
      if (port->spec.port_name != port_name) continue;
      port->spec.port_id = port_id;
      if (port->connected) g_rt.may_poll[port_id].store(true, std::memory_order_release);
    }
  });
}

void relay_detach_pod(const std::string& port_name) {
  run_on_relay([port_name] {
    for (auto& [key, port] : relay_ports) {
      RelayPort& p = *port;
      if (p.spec.port_name != port_name) continue;
      gate(p);
      close_fd(p.pod_fd);
      p.pod_pending = false;
      p.on_client_lost = nullptr;
      close_fd(p.listen_fd);
      const std::string& listened = p.spec.pmd_is_server ? p.spec.pod_socket : p.spec.pmd_socket;
      if (!(p.spec.pmd_is_server && p.spec.pod_abstract)) unlink(listened.c_str());
    }
  });
}

void relay_remove(const std::string& port_name) {
  run_on_relay([port_name] {
    for (auto it = relay_ports.begin(); it != relay_ports.end(); ++it) {
      RelayPort& p = *it->second;
      if (p.spec.port_name != port_name) continue;
      gate(p);
      close_fd(p.pod_fd);
      close_fd(p.pmd_fd);
      close_fd(p.listen_fd);
      relay_ports.erase(it);
      return;
    }
  });
}

void relay_shutdown() {
  if (!relay_thread.joinable()) return;
  run_on_relay([] { stopping = true; });
  relay_thread.join();
  close(epoll_fd);
  close(wake_fd);
  epoll_fd = wake_fd = -1;
}

}  // namespace pb
