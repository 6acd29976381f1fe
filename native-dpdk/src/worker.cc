// The poll-mode loop, in the shape of DPDK's l2fwd: rx_burst 32 -> forward -> tx_burst, unsent mbufs
// freed and counted as drops. The forwarding table is read through one RCU-protected pointer; the
// worker reports a quiescent state once per loop, after it has let go of every port it touched.
#include "worker.h"

#include <rte_cycles.h>
#include <rte_ether.h>
#include <rte_mbuf.h>

#include "fib.h"

namespace pb {

namespace {

struct TxBatch {
  uint16_t count[RTE_MAX_ETHPORTS] = {};
  rte_mbuf* pkts[RTE_MAX_ETHPORTS][kBurst];
  uint16_t touched[RTE_MAX_ETHPORTS];
  uint16_t ntouched = 0;

  void add(uint16_t port, rte_mbuf* m) {
    if (count[port] == 0) touched[ntouched++] = port;
    pkts[port][count[port]++] = m;
  }
};

void send(WorkerState& w, uint16_t port, rte_mbuf** pkts, uint16_t n) {
  uint16_t sent = 0;
  if (g_rt.may_poll[port].load(std::memory_order_relaxed)) {
    sent = rte_eth_tx_burst(port, static_cast<uint16_t>(w.index), pkts, n);
  }
  if (sent < n) {
    rte_pktmbuf_free_bulk(pkts + sent, n - sent);
    w.tx_dropped[port].store(w.tx_dropped[port].load(std::memory_order_relaxed) + (n - sent),
                             std::memory_order_relaxed);
  }
}

void count_rx_drop(WorkerState& w, uint16_t port, uint16_t n) {
  w.rx_dropped[port].store(w.rx_dropped[port].load(std::memory_order_relaxed) + n, std::memory_order_relaxed);
}

// L2 bridge: learn the source, send to the learned port, flood unknown and multicast destinations.
void bridge_forward(WorkerState& w, const BridgeView& bridge, uint16_t in_port, rte_mbuf** pkts, uint16_t n,
                    TxBatch& batch) {
  const uint64_t now = rte_rdtsc();
  for (uint16_t i = 0; i < n; i++) {
    rte_mbuf* m = pkts[i];
    const auto* eth = rte_pktmbuf_mtod(m, const rte_ether_hdr*);
    if (rte_is_unicast_ether_addr(&eth->src_addr)) bridge.table->learn(eth->src_addr, in_port, now);
    uint16_t out = rte_is_unicast_ether_addr(&eth->dst_addr) ? bridge.table->lookup(eth->dst_addr) : kNoPort;
    if (out != kNoPort && out < RTE_MAX_ETHPORTS && bridge.is_member[out]) {
      if (out == in_port) {
        rte_pktmbuf_free(m);
        count_rx_drop(w, in_port, 1);
      } else {
        batch.add(out, m);
      }
      continue;
    }
    const uint16_t copies = static_cast<uint16_t>(bridge.members.size() - (bridge.is_member[in_port] ? 1 : 0));
    if (copies == 0) {
      rte_pktmbuf_free(m);
      count_rx_drop(w, in_port, 1);
      continue;
    }
    // Flooding shares one mbuf between ports: every PMD here copies or only reads it before freeing.
    if (copies > 1) rte_mbuf_refcnt_update(m, static_cast<int16_t>(copies - 1));
    for (uint16_t member : bridge.members) {
      if (member != in_port) batch.add(member, m);
    }
  }
}

}  // namespace

int worker_main(void* arg) {
  auto& w = *static_cast<WorkerState*>(arg);
  rte_rcu_qsbr_thread_register(g_rt.qsbr, w.index);
  rte_rcu_qsbr_thread_online(g_rt.qsbr, w.index);
  rte_mbuf* pkts[kBurst];
  auto batch = std::make_unique<TxBatch>();

  while (g_rt.running.load(std::memory_order_relaxed)) {
    const Fib* fib = g_rt.fib.load(std::memory_order_acquire);
    uint64_t received = 0;
    if (fib == nullptr || w.index >= fib->per_worker.size() || fib->per_worker[w.index].empty()) {
      // Nothing to poll: do not burn the CPU (another poller may share this core). Offline while
      // napping, so that no grace period waits for the nap.
      rte_rcu_qsbr_thread_offline(g_rt.qsbr, w.index);
      rte_delay_us_sleep(100);
      rte_rcu_qsbr_thread_online(g_rt.qsbr, w.index);
      continue;
    }
    for (const RxAssignment& rx : fib->per_worker[w.index]) {
      if (!g_rt.may_poll[rx.port].load(std::memory_order_acquire)) continue;
      const uint16_t n = rte_eth_rx_burst(rx.port, rx.queue, pkts, kBurst);
      if (n == 0) continue;
      received += n;
      if (rx.peer != kNoPort) {
        send(w, rx.peer, pkts, n);
      } else if (rx.bridge >= 0) {
        bridge_forward(w, fib->bridges[rx.bridge], rx.port, pkts, n, *batch);
        for (uint16_t i = 0; i < batch->ntouched; i++) {
          const uint16_t out = batch->touched[i];
          send(w, out, batch->pkts[out], batch->count[out]);
          batch->count[out] = 0;
        }
        batch->ntouched = 0;
      } else {
        rte_pktmbuf_free_bulk(pkts, n);
        count_rx_drop(w, rx.port, n);
      }
    }
    // A poll is one pass over every assigned queue; it is busy when it moved any packet.
    w.polls.store(w.polls.load(std::memory_order_relaxed) + 1, std::memory_order_relaxed);
    if (received != 0) {
      w.busy_polls.store(w.busy_polls.load(std::memory_order_relaxed) + 1, std::memory_order_relaxed);
      w.packets.store(w.packets.load(std::memory_order_relaxed) + received, std::memory_order_relaxed);
    }
    rte_rcu_qsbr_quiescent(g_rt.qsbr, w.index);
  }
  rte_rcu_qsbr_thread_offline(g_rt.qsbr, w.index);
  rte_rcu_qsbr_thread_unregister(g_rt.qsbr, w.index);
  return 0;
}

}  // namespace pb
