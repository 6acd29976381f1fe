// A bridge's MAC learning table: fixed-size, 4-way buckets of packed atomic entries, so workers can
// learn and look up concurrently without locks, and the control thread can age entries out.
#pragma once
#include <atomic>
#include <cstdint>
#include <cstring>

#include <rte_cycles.h>
#include <rte_ether.h>
#include <rte_hash_crc.h>

#include "common.h"

namespace pb {

class MacTable {
 public:
  static constexpr uint32_t kBuckets = 4096;
  static constexpr uint32_t kWays = 4;

  static uint64_t key(const rte_ether_addr& mac) {
    uint64_t k = 0;
    std::memcpy(&k, mac.addr_bytes, RTE_ETHER_ADDR_LEN);
    return k;
  }

  uint16_t lookup(const rte_ether_addr& mac) const {
    const uint64_t k = key(mac);
    const uint32_t base = bucket(k) * kWays;
    for (uint32_t i = 0; i < kWays; i++) {
      const uint64_t e = entries_[base + i].load(std::memory_order_acquire);
      if (e != 0 && (e >> 16) == k) return static_cast<uint16_t>(e & 0xffff);
    }
    return kNoPort;
  }

  // Records that `mac` was seen on `port` at `now` (TSC cycles).
  void learn(const rte_ether_addr& mac, uint16_t port, uint64_t now) {
    const uint64_t k = key(mac);
    const uint64_t packed = (k << 16) | port;
    const uint32_t base = bucket(k) * kWays;
    uint32_t oldest = base;
    for (uint32_t i = base; i < base + kWays; i++) {
      uint64_t e = entries_[i].load(std::memory_order_relaxed);
      if (e != 0 && (e >> 16) == k) {
        if (e != packed) entries_[i].store(packed, std::memory_order_release);
        // Refreshing the timestamp at most every ~1/16 s keeps the cache line mostly shared.
        if (now - seen_[i].load(std::memory_order_relaxed) > (rte_get_tsc_hz() >> 4)) {
          seen_[i].store(now, std::memory_order_relaxed);
        }
        return;
      }
      if (e == 0) {
        seen_[i].store(now, std::memory_order_relaxed);
        if (entries_[i].compare_exchange_strong(e, packed, std::memory_order_release)) return;
      }
      if (seen_[i].load(std::memory_order_relaxed) < seen_[oldest].load(std::memory_order_relaxed)) oldest = i;
    }
    seen_[oldest].store(now, std::memory_order_relaxed);
    entries_[oldest].store(packed, std::memory_order_release);
  }

  // Control thread: forgets entries not refreshed since `cutoff` or pointing at `gone_port`.
  unsigned age(uint64_t cutoff, uint16_t gone_port = kNoPort) {
    unsigned removed = 0;
    for (uint32_t i = 0; i < kBuckets * kWays; i++) {
      uint64_t e = entries_[i].load(std::memory_order_relaxed);
      if (e == 0) continue;
      if (seen_[i].load(std::memory_order_relaxed) < cutoff || (e & 0xffff) == gone_port) {
        if (entries_[i].compare_exchange_strong(e, 0)) removed++;
      }
    }
    return removed;
  }

  unsigned size() const {
    unsigned n = 0;
    for (uint32_t i = 0; i < kBuckets * kWays; i++) n += entries_[i].load(std::memory_order_relaxed) != 0;
    return n;
  }

 private:
  static uint32_t bucket(uint64_t k) { return rte_hash_crc_8byte(k, 0x9e3779b9) % kBuckets; }
  std::atomic<uint64_t> entries_[kBuckets * kWays] = {};
  std::atomic<uint64_t> seen_[kBuckets * kWays] = {};
};

}  // namespace pb
