// Process-wide engine runtime shared by the control thread, the workers and the memif relay:
// the mbuf pool, the RCU reader registry, per-port gates and per-worker counters.
#pragma once
#include <atomic>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include <rte_ethdev.h>
#include <rte_mempool.h>
#include <rte_rcu_qsbr.h>

#include "common.h"

namespace pb {

struct Fib;

// Counters written only by their worker (relaxed stores), read by the JS thread at any time.
struct alignas(64) WorkerState {
  unsigned index = 0;
  unsigned lcore = 0;
  unsigned cpu = 0;
  std::atomic<uint64_t> polls{0};
  std::atomic<uint64_t> busy_polls{0};
  std::atomic<uint64_t> packets{0};
  std::atomic<uint64_t> tx_dropped[RTE_MAX_ETHPORTS] = {};
  std::atomic<uint64_t> rx_dropped[RTE_MAX_ETHPORTS] = {};
};

struct Runtime {
  std::atomic<bool> running{false};
  std::atomic<Fib*> fib{nullptr};
  rte_rcu_qsbr* qsbr = nullptr;
  rte_mempool* pool = nullptr;
  unsigned pool_size = 0;
  std::vector<std::unique_ptr<WorkerState>> workers;
  // Cleared before a port's data path may be torn down (memif relay, removal); workers skip it.
  std::atomic<bool> may_poll[RTE_MAX_ETHPORTS] = {};
};

// Never destroyed: workers and detached threads may still run while the process exits.
extern Runtime& g_rt;

// Blocks until every worker has passed a quiescent state: nothing read before the call is in use.
void synchronize_workers();

struct EngineEventRecord {
  std::string type;
  std::string port;
  double at;
};
// Events are queued here from any thread; the addon installs the sink that wakes JS.
void set_event_sink(std::function<void(EngineEventRecord)> sink);
void emit_event(const char* type, const std::string& port);

}  // namespace pb
