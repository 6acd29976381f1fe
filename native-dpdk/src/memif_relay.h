// The memif control-channel relay. DPDK 22.11's net_memif unmaps a connected port's shared memory on
// its interrupt thread while a worker may still be inside a burst (see docs/native-dpdk.md). The
// daemon therefore owns the socket the pod sees and relays SOCK_SEQPACKET messages (with SCM_RIGHTS
// fds) to the PMD's private socket; before it forwards anything from the pod that can make the PMD
// tear a connected port down, it stops polling the port and waits for the workers' RCU grace period.
#pragma once
#include <cstdint>
#include <functional>
#include <string>

namespace pb {

struct MemifRelaySpec {
  std::string port_name;
  uint16_t port_id = UINT16_MAX;  // unknown until the PMD exists (client role)
  bool pmd_is_server = true;  // the PMD's memif role
  std::string pod_socket;     // what the pod connects to (server) or listens on (client)
  bool pod_abstract = false;  // pod_socket names an abstract socket
  std::string netns_path;     // create the pod-facing socket in this network namespace
  std::string pmd_socket;     // the PMD's private filesystem socket
};

// Starts the relay thread on first use. `on_client_lost` runs on the relay thread when a PMD in the
// client role lost its peer and needs a restart to connect again. Throws pb::Error.
void relay_add(const MemifRelaySpec& spec, std::function<void()> on_client_lost);
// Tells the relay the ethdev port id of a port added before its PMD existed (client role).
void relay_bind_port(const std::string& port_name, uint16_t port_id);
// First half of removing a port: stops polling it and closes the pod-facing side, but keeps the
// PMD's channel open so that the PMD's own dev_stop, not its interrupt thread, disconnects it.
void relay_detach_pod(const std::string& port_name);
// Closes the port's remaining relay sockets; returns once the relay thread no longer uses them.
void relay_remove(const std::string& port_name);
// Ends the relay thread (after every port was removed).
void relay_shutdown();

// Creates a socket of `type` inside the network namespace at `netns_path` (or here when empty).
int socket_in_netns(const std::string& netns_path, int type);

}  // namespace pb
