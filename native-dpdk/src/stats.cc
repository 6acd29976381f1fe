// Port, xstats and worker counters.
#include "stats.h"

#include <rte_ethdev.h>

#include "common.h"
#include "runtime.h"

namespace pb {

PortCounters port_counters(uint16_t port_id) {
  rte_eth_stats s{};
  int ret = rte_eth_stats_get(port_id, &s);
  if (ret != 0) throw Error("STATS_FAILED", dpdk_message("rte_eth_stats_get", ret), -ret);
  PortCounters c{s.ipackets, s.opackets, s.ibytes, s.obytes, s.imissed + s.rx_nombuf, 0, s.ierrors, s.oerrors};
  for (auto& worker : g_rt.workers) {
    c.tx_dropped += worker->tx_dropped[port_id].load(std::memory_order_relaxed);
    c.rx_dropped += worker->rx_dropped[port_id].load(std::memory_order_relaxed);
  }
  return c;
}

std::vector<std::pair<std::string, uint64_t>> port_xstats(uint16_t port_id) {
  int count = rte_eth_xstats_get_names(port_id, nullptr, 0);
  if (count < 0) throw Error("STATS_FAILED", dpdk_message("rte_eth_xstats_get_names", count), -count);
  std::vector<rte_eth_xstat_name> names(count);
  std::vector<rte_eth_xstat> values(count);
  if (rte_eth_xstats_get_names(port_id, names.data(), count) != count ||
      rte_eth_xstats_get(port_id, values.data(), count) != count) {
    throw Error("STATS_FAILED", "xstats changed size while being read");
  }
  std::vector<std::pair<std::string, uint64_t>> out;
  for (int i = 0; i < count; i++) out.emplace_back(names[values[i].id].name, values[i].value);
  return out;
}

std::vector<WorkerCounters> worker_counters() {
  std::vector<WorkerCounters> out;
  for (auto& w : g_rt.workers) {
    out.push_back({w->lcore, w->cpu, w->polls.load(std::memory_order_relaxed),
                   w->busy_polls.load(std::memory_order_relaxed), w->packets.load(std::memory_order_relaxed)});
  }
  return out;
}

}  // namespace pb
