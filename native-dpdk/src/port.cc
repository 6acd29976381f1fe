// Port hotplug, configuration and teardown.
#include "port.h"

#include <rte_bus.h>
#include <rte_dev.h>
#include <rte_errno.h>
#include <rte_ethdev.h>

#include "common.h"
#include "runtime.h"

namespace pb {

unsigned port_mbuf_need(uint16_t rx_queues, uint16_t tx_queues) {
  return static_cast<unsigned>(rx_queues) * kRxDesc + static_cast<unsigned>(tx_queues) * kTxDesc;
}

static void hot_unplug(const std::string& bus, const std::string& dev_name) {
  rte_eal_hotplug_remove(bus.c_str(), dev_name.c_str());
}

static void configure_and_start(uint16_t port_id, const PortSetup& setup) {
  rte_eth_dev_info info;
  int ret = rte_eth_dev_info_get(port_id, &info);
  if (ret != 0) throw Error("PORT_SETUP_FAILED", dpdk_message("rte_eth_dev_info_get", ret), -ret);
  if (setup.rx_queues > info.max_rx_queues || setup.tx_queues > info.max_tx_queues) {
    throw Error("INVALID_ARGUMENT", "port supports " + std::to_string(info.max_rx_queues) + " rx / " +
                                        std::to_string(info.max_tx_queues) + " tx queues, needs " +
                                        std::to_string(setup.rx_queues) + " / " + std::to_string(setup.tx_queues));
  }
  rte_eth_conf conf{};
  ret = rte_eth_dev_configure(port_id, setup.rx_queues, setup.tx_queues, &conf);
  if (ret != 0) throw Error("PORT_SETUP_FAILED", dpdk_message("rte_eth_dev_configure", ret), -ret);
  uint16_t rx_desc = kRxDesc;
  uint16_t tx_desc = kTxDesc;
  ret = rte_eth_dev_adjust_nb_rx_tx_desc(port_id, &rx_desc, &tx_desc);
  if (ret != 0) throw Error("PORT_SETUP_FAILED", dpdk_message("rte_eth_dev_adjust_nb_rx_tx_desc", ret), -ret);
  const int socket = rte_eth_dev_socket_id(port_id);
  const unsigned socket_id = socket < 0 ? 0 : static_cast<unsigned>(socket);
  for (uint16_t q = 0; q < setup.rx_queues; q++) {
    ret = rte_eth_rx_queue_setup(port_id, q, rx_desc, socket_id, nullptr, g_rt.pool);
    if (ret != 0) throw Error("PORT_SETUP_FAILED", dpdk_message("rte_eth_rx_queue_setup", ret), -ret);
  }
  for (uint16_t q = 0; q < setup.tx_queues; q++) {
    ret = rte_eth_tx_queue_setup(port_id, q, tx_desc, socket_id, nullptr);
    if (ret != 0) throw Error("PORT_SETUP_FAILED", dpdk_message("rte_eth_tx_queue_setup", ret), -ret);
  }
  ret = rte_eth_dev_start(port_id);
  if (ret != 0) throw Error("PORT_SETUP_FAILED", dpdk_message("rte_eth_dev_start", ret), -ret);
  // Bridges and cross-connects forward any destination MAC; not every PMD has the knob.
  rte_eth_promiscuous_enable(port_id);
}

uint16_t port_create(const PortSetup& setup) {
  uint16_t existing;
  if (rte_eth_dev_get_port_by_name(setup.dev_name.c_str(), &existing) == 0) {
    throw Error("ALREADY_EXISTS", "device " + setup.dev_name + " already exists");
  }
  int ret = rte_dev_probe(setup.devargs.c_str());
  if (ret != 0) {
    throw Error("PROBE_FAILED", dpdk_message("rte_dev_probe(" + setup.devargs + ")", ret), -ret);
  }
  uint16_t port_id;
  if (rte_eth_dev_get_port_by_name(setup.dev_name.c_str(), &port_id) != 0) {
    hot_unplug(setup.bus, setup.dev_name);
    throw Error("PROBE_FAILED", "device " + setup.dev_name + " was probed but created no ethdev port");
  }
  try {
    configure_and_start(port_id, setup);
  } catch (...) {
    rte_eth_dev_stop(port_id);
    rte_eth_dev_close(port_id);
    hot_unplug(setup.bus, setup.dev_name);
    throw;
  }
  return port_id;
}

void port_destroy(uint16_t port_id, const std::string& bus, const std::string& dev_name) {
  rte_eth_dev_stop(port_id);
  rte_eth_dev_close(port_id);
  hot_unplug(bus, dev_name);
}

}  // namespace pb
