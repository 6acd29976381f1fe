// The engine's control-plane model: named ports, cross-connects and bridges. Every mutation runs on
// the control thread and ends by publishing a new forwarding table; JS-thread readers (ports, stats)
// take `mutex`, which is never held across a blocking DPDK call.
#pragma once
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "mactable.h"
#include "memif_relay.h"
#include "port.h"

namespace pb {

struct AddPortRequest {
  std::string name;
  std::string kind;
  PortSetup setup;
  std::string socket_path;  // reported back in PortInfo
  bool relay = false;       // memif: relay the control channel (see memif_relay.h)
  MemifRelaySpec relay_spec;
};

struct PortRecord {
  std::string name;
  std::string kind;
  std::string socket_path;
  PortSetup setup;
  uint16_t id = 0;
  bool relayed = false;
  std::string peer;    // cross-connect peer
  std::string bridge;  // bridge membership
  int link = -1;       // last link state seen by the ticker (-1 unknown)
};

struct BridgeRecord {
  std::shared_ptr<MacTable> table = std::make_shared<MacTable>();
  std::vector<std::string> members;
};

struct PortSnapshot {
  std::string name, kind, mac, socket_path;
  uint16_t id;
  bool link_up;
};

class Engine {
 public:
  // Control thread.
  PortSnapshot add_port(const AddPortRequest& request);
  void remove_port(const std::string& name);
  void connect(const std::string& a, const std::string& b);
  void disconnect(const std::string& port);
  void create_bridge(const std::string& name);
  void delete_bridge(const std::string& name);
  void bridge_add_port(const std::string& bridge, const std::string& port);
  void bridge_remove_port(const std::string& port);
  void tick();  // link polling and MAC ageing
  void remove_all();
  void set_mac_ageing(double seconds) { mac_ageing_seconds_ = seconds; }

  // Any thread: lookups for stats, under `mutex`.
  std::mutex mutex;
  std::vector<PortSnapshot> snapshot();
  uint16_t port_id(const std::string& name);  // throws NOT_FOUND; caller holds `mutex`

 private:
  PortRecord& find(const std::string& name);
  void rebuild();
  void restart_client(const std::string& name);
  std::map<std::string, PortRecord> ports_;
  std::map<std::string, BridgeRecord> bridges_;
  double mac_ageing_seconds_ = 300;
  uint64_t last_ageing_ = 0;
};

extern Engine& g_engine;  // never destroyed (see runtime.h)

}  // namespace pb
