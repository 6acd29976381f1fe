// EAL init/shutdown. The main lcore is mapped to every online CPU so that the thread EAL pins (the
// control thread) floats; each worker lcore is pinned to one CPU from EngineOptions.workerCpus.
#include "eal.h"

#include <unistd.h>

#include <rte_eal.h>
#include <rte_errno.h>
#include <rte_launch.h>
#include <rte_lcore.h>
#include <rte_malloc.h>
#include <rte_mbuf.h>

#include "common.h"
#include "fib.h"
#include "runtime.h"
#include "worker.h"

namespace pb {

static bool eal_was_initialized = false;
static std::vector<std::string> argv_storage;  // EAL keeps pointers into argv

std::vector<std::string> eal_args(const EalOptions& options, unsigned online_cpus) {
  std::string lcores = "--lcores=0@(0-" + std::to_string(online_cpus - 1) + ")";
  for (size_t i = 0; i < options.worker_cpus.size(); i++) {
    lcores += "," + std::to_string(i + 1) + "@" + std::to_string(options.worker_cpus[i]);
  }
  std::vector<std::string> args = {"pktbridge", lcores, "--file-prefix=" + options.file_prefix, "-m",
                                   std::to_string(options.memory_mb), "--log-level=" + options.log_level,
                                   // Probe no PCI device at init (the host's own NICs stay untouched);
                                   // uplinks are hot-plugged by address, which adds them to the list.
                                   "--allow=0000:00:00.0"};
  if (options.no_huge) args.push_back("--no-huge");
  if (options.in_memory) args.push_back("--in-memory");
  if (options.single_file_segments) args.push_back("--single-file-segments");
  if (!options.huge_dir.empty()) args.push_back("--huge-dir=" + options.huge_dir);
  args.insert(args.end(), options.extra_args.begin(), options.extra_args.end());
  return args;
}

void eal_start(const EalOptions& options) {
  if (eal_was_initialized) {
    throw Error("ALREADY_INITIALIZED", "EAL can be initialised only once per process", EALREADY);
  }
  const long online = sysconf(_SC_NPROCESSORS_ONLN);
  for (unsigned cpu : options.worker_cpus) {
    if (cpu >= static_cast<unsigned long>(online)) {
      throw Error("INVALID_ARGUMENT", "workerCpus: CPU " + std::to_string(cpu) + " is not online");
    }
  }
  argv_storage = eal_args(options, static_cast<unsigned>(online));
  std::vector<char*> argv;
  for (auto& arg : argv_storage) argv.push_back(arg.data());
  eal_was_initialized = true;  // even a failed rte_eal_init cannot be retried in this process
  if (rte_eal_init(static_cast<int>(argv.size()), argv.data()) < 0) {
    throw Error("EAL_INIT_FAILED", dpdk_message("rte_eal_init", rte_errno), rte_errno);
  }

  const unsigned nworkers = static_cast<unsigned>(options.worker_cpus.size());
  g_rt.pool = rte_pktmbuf_pool_create("pb_mbuf_pool", options.pool_mbufs, 256, 0, RTE_MBUF_DEFAULT_BUF_SIZE,
                                      static_cast<int>(rte_socket_id()));
  if (g_rt.pool == nullptr) {
    throw Error("NO_MEMORY", dpdk_message("rte_pktmbuf_pool_create", rte_errno), rte_errno);
  }
  g_rt.pool_size = options.pool_mbufs;
  const size_t qsbr_size = rte_rcu_qsbr_get_memsize(nworkers);
  g_rt.qsbr = static_cast<rte_rcu_qsbr*>(rte_zmalloc("pb_qsbr", qsbr_size, RTE_CACHE_LINE_SIZE));
  if (g_rt.qsbr == nullptr || rte_rcu_qsbr_init(g_rt.qsbr, nworkers) != 0) {
    throw Error("NO_MEMORY", "cannot allocate the RCU QSBR variable");
  }
  auto fib = std::make_unique<Fib>();
  fib->per_worker.resize(nworkers);
  g_rt.fib.store(fib.release());

  g_rt.running.store(true);
  unsigned index = 0;
  unsigned lcore;
  RTE_LCORE_FOREACH_WORKER(lcore) {
    auto state = std::make_unique<WorkerState>();
    state->index = index;
    state->lcore = lcore;
    state->cpu = options.worker_cpus[index];
    g_rt.workers.push_back(std::move(state));
    int ret = rte_eal_remote_launch(worker_main, g_rt.workers.back().get(), lcore);
    if (ret != 0) throw Error("EAL_INIT_FAILED", dpdk_message("rte_eal_remote_launch", ret), -ret);
    index++;
  }
}

void eal_stop() {
  g_rt.running.store(false);
  rte_eal_mp_wait_lcore();
  delete g_rt.fib.exchange(nullptr);
  rte_free(g_rt.qsbr);
  g_rt.qsbr = nullptr;
  rte_mempool_free(g_rt.pool);
  g_rt.pool = nullptr;
  rte_eal_cleanup();
}

}  // namespace pb
