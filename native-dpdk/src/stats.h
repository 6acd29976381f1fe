// Counters read without stopping the workers: per-port ethdev stats plus the workers' software drop
// counters, xstats, and per-worker poll counters.
#pragma once
#include <cstdint>
#include <string>
#include <utility>
#include <vector>

namespace pb {

struct PortCounters {
  uint64_t rx_packets, tx_packets, rx_bytes, tx_bytes, rx_dropped, tx_dropped, rx_errors, tx_errors;
};

struct WorkerCounters {
  unsigned lcore, cpu;
  uint64_t polls, busy_polls, packets;
};

PortCounters port_counters(uint16_t port_id);
std::vector<std::pair<std::string, uint64_t>> port_xstats(uint16_t port_id);
std::vector<WorkerCounters> worker_counters();

}  // namespace pb
