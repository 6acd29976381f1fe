// Runtime globals, the RCU grace-period helper and the event sink.
#include "runtime.h"

#include <chrono>
#include <mutex>

#include <rte_errno.h>

namespace pb {

Runtime& g_rt = *new Runtime();

std::string dpdk_message(const std::string& what, int ret) {
  int err = ret < 0 ? -ret : ret;
  return what + ": " + rte_strerror(err);
}

void synchronize_workers() {
  if (g_rt.qsbr != nullptr) rte_rcu_qsbr_synchronize(g_rt.qsbr, RTE_QSBR_THRID_INVALID);
}

static std::mutex& sink_mutex = *new std::mutex();
static std::function<void(EngineEventRecord)>& event_sink = *new std::function<void(EngineEventRecord)>();

void set_event_sink(std::function<void(EngineEventRecord)> sink) {
  std::lock_guard<std::mutex> lock(sink_mutex);
  event_sink = std::move(sink);
}

void emit_event(const char* type, const std::string& port) {
  double at = std::chrono::duration<double, std::milli>(std::chrono::system_clock::now().time_since_epoch()).count();
  std::lock_guard<std::mutex> lock(sink_mutex);
  if (event_sink) event_sink(EngineEventRecord{type, port, at});
}

}  // namespace pb
