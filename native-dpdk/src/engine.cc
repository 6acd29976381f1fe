// Control-plane operations on ports, cross-connects and bridges, and the forwarding table builder.
#include "engine.h"

#include <algorithm>

#include <rte_cycles.h>
#include <rte_ethdev.h>

#include "control.h"
#include "fib.h"
#include "runtime.h"

namespace pb {

Engine& g_engine = *new Engine();

static std::string mac_string(uint16_t id) {
  rte_ether_addr addr{};
  rte_eth_macaddr_get(id, &addr);
  char text[RTE_ETHER_ADDR_FMT_SIZE];
  rte_ether_format_addr(text, sizeof(text), &addr);
  return text;
}

static bool link_up(uint16_t id) {
  rte_eth_link link{};
  return rte_eth_link_get_nowait(id, &link) == 0 && link.link_status == RTE_ETH_LINK_UP;
}

static void reset_counters(uint16_t id) {
  for (auto& worker : g_rt.workers) {
    worker->tx_dropped[id].store(0);
    worker->rx_dropped[id].store(0);
  }
}

PortRecord& Engine::find(const std::string& name) {
  auto it = ports_.find(name);
  if (it == ports_.end()) throw Error("NOT_FOUND", "no port named " + name);
  return it->second;
}

uint16_t Engine::port_id(const std::string& name) { return find(name).id; }

std::vector<PortSnapshot> Engine::snapshot() {
  std::lock_guard<std::mutex> lock(mutex);
  std::vector<PortSnapshot> out;
  for (auto& [name, port] : ports_) {
    out.push_back({name, port.kind, mac_string(port.id), port.socket_path, port.id, link_up(port.id)});
  }
  return out;
}

PortSnapshot Engine::add_port(const AddPortRequest& request) {
  if (ports_.count(request.name) != 0) throw Error("ALREADY_EXISTS", "port " + request.name + " already exists");
  unsigned need = port_mbuf_need(request.setup.rx_queues, request.setup.tx_queues);
  for (auto& [name, port] : ports_) need += port_mbuf_need(port.setup.rx_queues, port.setup.tx_queues);
  if (need > g_rt.pool_size) {
    throw Error("NO_MEMORY", "the mbuf pool (" + std::to_string(g_rt.pool_size) + ") cannot fill the rings of " +
                                 std::to_string(ports_.size() + 1) + " ports (" + std::to_string(need) + ")");
  }
  // A relayed memif server PMD must listen before the relay connects to it; a client PMD connects
  // to the relay in dev_start, so the relay must listen first.
  const bool relay_first = request.relay && !request.relay_spec.pmd_is_server;
  if (relay_first) relay_add(request.relay_spec, [this, name = request.name] { restart_client(name); });
  uint16_t id;
  try {
    id = port_create(request.setup);
  } catch (...) {
    if (relay_first) relay_remove(request.name);
    throw;
  }
  reset_counters(id);
  // A relayed memif port is polled only once the relay has seen it connect.
  g_rt.may_poll[id].store(!request.relay);
  if (relay_first) relay_bind_port(request.name, id);
  if (request.relay && !relay_first) {
    MemifRelaySpec spec = request.relay_spec;
    spec.port_id = id;
    try {
      relay_add(spec, nullptr);
    } catch (...) {
      port_destroy(id, request.setup.bus, request.setup.dev_name);
      throw;
    }
  }
  PortRecord record;
  record.name = request.name;
  record.kind = request.kind;
  record.socket_path = request.socket_path;
  record.setup = request.setup;
  record.id = id;
  record.relayed = request.relay;
  {
    std::lock_guard<std::mutex> lock(mutex);
    ports_.emplace(request.name, record);
  }
  return {request.name, request.kind, mac_string(id), request.socket_path, id, link_up(id)};
}

void Engine::remove_port(const std::string& name) {
  PortRecord record;
  {
    std::lock_guard<std::mutex> lock(mutex);
    record = find(name);
    ports_.erase(name);
    if (!record.peer.empty()) ports_.at(record.peer).peer.clear();
    if (!record.bridge.empty()) {
      auto& members = bridges_.at(record.bridge).members;
      members.erase(std::remove(members.begin(), members.end(), name), members.end());
    }
  }
  if (record.relayed) relay_detach_pod(name);
  g_rt.may_poll[record.id].store(false);
  rebuild();  // waits for the grace period: no worker polls or transmits on the port after this
  if (!record.bridge.empty()) bridges_.at(record.bridge).table->age(0, record.id);
  port_destroy(record.id, record.setup.bus, record.setup.dev_name);
  if (record.relayed) relay_remove(name);
}

void Engine::connect(const std::string& a, const std::string& b) {
  if (a == b) throw Error("INVALID_ARGUMENT", "cannot cross-connect a port to itself");
  {
    std::lock_guard<std::mutex> lock(mutex);
    PortRecord& pa = find(a);
    PortRecord& pb_ = find(b);
    for (PortRecord* p : {&pa, &pb_}) {
      if (!p->peer.empty() || !p->bridge.empty()) {
        throw Error("FAILED_PRECONDITION", "port " + p->name + " is already connected or in a bridge");
      }
    }
    pa.peer = b;
    pb_.peer = a;
  }
  rebuild();
}

void Engine::disconnect(const std::string& port) {
  {
    std::lock_guard<std::mutex> lock(mutex);
    PortRecord& p = find(port);
    if (p.peer.empty()) throw Error("FAILED_PRECONDITION", "port " + port + " is not cross-connected");
    find(p.peer).peer.clear();
    p.peer.clear();
  }
  rebuild();
}

void Engine::create_bridge(const std::string& name) {
  if (bridges_.count(name) != 0) throw Error("ALREADY_EXISTS", "bridge " + name + " already exists");
  std::lock_guard<std::mutex> lock(mutex);
  bridges_.emplace(name, BridgeRecord{});
}

void Engine::delete_bridge(const std::string& name) {
  auto it = bridges_.find(name);
  if (it == bridges_.end()) throw Error("NOT_FOUND", "no bridge named " + name);
  if (!it->second.members.empty()) throw Error("FAILED_PRECONDITION", "bridge " + name + " still has ports");
  std::lock_guard<std::mutex> lock(mutex);
  bridges_.erase(it);  // no Fib references a bridge without members
}

void Engine::bridge_add_port(const std::string& bridge, const std::string& port) {
  {
    std::lock_guard<std::mutex> lock(mutex);
    auto it = bridges_.find(bridge);
    if (it == bridges_.end()) throw Error("NOT_FOUND", "no bridge named " + bridge);
    PortRecord& p = find(port);
    if (!p.peer.empty() || !p.bridge.empty()) {
      throw Error("FAILED_PRECONDITION", "port " + port + " is already connected or in a bridge");
    }
    p.bridge = bridge;
    it->second.members.push_back(port);
  }
  rebuild();
}

void Engine::bridge_remove_port(const std::string& port) {
  uint16_t id;
  std::string bridge;
  {
    std::lock_guard<std::mutex> lock(mutex);
    PortRecord& p = find(port);
    if (p.bridge.empty()) throw Error("FAILED_PRECONDITION", "port " + port + " is not in a bridge");
    bridge = p.bridge;
    auto& members = bridges_.at(bridge).members;
    members.erase(std::remove(members.begin(), members.end(), port), members.end());
    p.bridge.clear();
    id = p.id;
  }
  rebuild();
  bridges_.at(bridge).table->age(0, id);
}

void Engine::rebuild() {
  auto fib = std::make_unique<Fib>();
  const size_t nworkers = g_rt.workers.size();
  fib->per_worker.resize(nworkers);
  std::map<std::string, int> bridge_index;
  for (auto& [name, bridge] : bridges_) {
    if (bridge.members.empty()) continue;
    BridgeView view;
    view.table = bridge.table;
    for (auto& member : bridge.members) {
      const uint16_t id = ports_.at(member).id;
      view.members.push_back(id);
      view.is_member[id] = true;
    }
    bridge_index[name] = static_cast<int>(fib->bridges.size());
    fib->bridges.push_back(std::move(view));
  }
  // Spread every forwarded rx queue over the workers, round robin.
  size_t next = 0;
  for (auto& [name, port] : ports_) {
    if (port.peer.empty() && port.bridge.empty()) continue;
    for (uint16_t q = 0; q < port.setup.rx_queues; q++) {
      RxAssignment rx{port.id, q, kNoPort, -1};
      if (!port.peer.empty()) rx.peer = ports_.at(port.peer).id;
      if (!port.bridge.empty()) rx.bridge = bridge_index.at(port.bridge);
      if (nworkers > 0) fib->per_worker[next++ % nworkers].push_back(rx);
    }
  }
  publish_fib(std::move(fib));
}

void Engine::restart_client(const std::string& name) {
  // Called on the relay thread: the restart itself belongs to the control thread.
  g_control.post([this, name] {
    auto it = ports_.find(name);
    if (it == ports_.end()) return;
    rte_eth_dev_stop(it->second.id);
    rte_eth_dev_start(it->second.id);
  });
}

void Engine::tick() {
  for (auto& [name, port] : ports_) {
    const int up = link_up(port.id) ? 1 : 0;
    if (up == port.link) continue;
    if (port.link != -1 || up == 1) {
      emit_event(up ? "link-up" : "link-down", name);
      // vhost-user's link is its peer: the PMD raises it when the virtio front end attaches.
      if (port.kind == "vhost-user") emit_event(up ? "peer-connected" : "peer-disconnected", name);
    }
    port.link = up;
  }
  const uint64_t now = rte_get_tsc_cycles();
  if (now - last_ageing_ > rte_get_tsc_hz()) {
    last_ageing_ = now;
    const uint64_t age = static_cast<uint64_t>(mac_ageing_seconds_ * static_cast<double>(rte_get_tsc_hz()));
    const uint64_t cutoff = now > age ? now - age : 0;
    for (auto& [name, bridge] : bridges_) bridge.table->age(cutoff);
  }
}

void Engine::remove_all() {
  std::vector<std::string> names;
  for (auto& [name, port] : ports_) names.push_back(name);
  for (auto& name : names) remove_port(name);
  std::lock_guard<std::mutex> lock(mutex);
  bridges_.clear();
}

}  // namespace pb
