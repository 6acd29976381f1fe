// DPDK-level port lifecycle: hotplug a device, configure queues on the shared mempool, start; and the
// reverse. Every step is undone if a later one fails.
#pragma once
#include <cstdint>
#include <string>

namespace pb {

struct PortSetup {
  std::string bus;       // "vdev" or "pci"
  std::string dev_name;  // the vdev name (e.g. net_memif_pod1) or the PCI address
  std::string devargs;   // what rte_dev_probe gets
  uint16_t rx_queues = 1;
  uint16_t tx_queues = 1;  // one per worker, so workers never share a tx queue
};

// Control thread only. Returns the ethdev port id. Throws pb::Error.
uint16_t port_create(const PortSetup& setup);
// Stops, closes and hot-unplugs. Best effort: never throws. Control thread only.
void port_destroy(uint16_t port_id, const std::string& bus, const std::string& dev_name);
// Mbufs the port's rings can hold: what it takes from the shared pool at most.
unsigned port_mbuf_need(uint16_t rx_queues, uint16_t tx_queues);

}  // namespace pb
